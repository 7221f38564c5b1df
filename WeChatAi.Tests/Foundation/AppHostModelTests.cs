using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Infrastructure.Local;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Foundation;

/// <summary>The AppHost's model for each configuration, built without starting anything.</summary>
public sealed class AppHostModelTests
{
    [Fact]
    public async Task External_mode_without_connection_strings_fails_naming_the_setting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync("Infrastructure:Mode=external"));

        Assert.Contains("ConnectionStrings:redis", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_mode_fails_listing_the_valid_ones()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync("Infrastructure:Mode=kubernetes"));

        Assert.Contains("auto, containers, local, external", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_redis_durability_fails_naming_the_setting_and_the_valid_values()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync("Infrastructure:Mode=local", "Redis:Durability=sometimes"));

        Assert.Contains("Redis:Durability 'sometimes' is not one of always, everysec", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task External_mode_uses_the_configured_connection_strings_and_starts_no_stores()
    {
        await using var builder = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=redis.example:6380", "ConnectionStrings:wechatdb=Host=db.example;Database=wechatdb");
        var resources = builder.Resources;

        var redis = Assert.Single(resources, r => r.Name == "redis");
        Assert.Equal("redis.example:6380", await ((IResourceWithConnectionString)redis).GetConnectionStringAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain(resources, r => r is LocalRedisResource or LocalPostgresServerResource or ContainerResource);
    }

    [Fact]
    public async Task Local_mode_runs_redis_and_postgres_as_local_processes_that_the_services_wait_for()
    {
        var data = Directory.CreateTempSubdirectory("wechatai-model-").FullName;
        try
        {
            await using var builder = await CreateAsync("Infrastructure:Mode=local", $"Infrastructure:DataDirectory={data}");
            var resources = builder.Resources;

            Assert.IsType<LocalRedisResource>(Assert.Single(resources, r => r.Name == "redis"));
            Assert.IsType<LocalPostgresServerResource>(Assert.Single(resources, r => r.Name == "postgres"));
            var database = Assert.IsType<LocalPostgresDatabaseResource>(Assert.Single(resources, r => r.Name == "wechatdb"));
            Assert.Equal("postgres", database.Parent.Name);
            Assert.True(File.Exists(Path.Combine(data, "postgres", "PG_VERSION")), "initdb ran once into the data folder");

            var api = Assert.Single(resources, r => r.Name == "api");
            var waits = api.Annotations.OfType<WaitAnnotation>().Select(w => (w.Resource.Name, w.WaitType)).ToList();
            Assert.Contains(("redis", WaitType.WaitUntilHealthy), waits);
            Assert.Contains(("migrations", WaitType.WaitForCompletion), waits);
            Assert.Equal(2, api.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Local_mode_with_the_cluster_topology_runs_six_nodes_under_one_redis_whose_connection_string_is_the_node_list()
    {
        var data = Directory.CreateTempSubdirectory("wechatai-model-").FullName;
        var first = FreePort.NextClusterRange(LocalRedisCluster.LocalNodes);
        try
        {
            await using var builder = await CreateAsync(
                "Infrastructure:Mode=local", $"Infrastructure:DataDirectory={data}", "Redis:Topology=cluster", $"Redis:ClusterPort={first}");
            var resources = builder.Resources;

            var redis = Assert.IsType<LocalRedisClusterResource>(Assert.Single(resources, r => r.Name == "redis"));
            IResourceWithConnectionString withConnectionString = redis;
            var ports = Enumerable.Range(first, 6).ToList();
            Assert.Equal(string.Join(',', ports.Select(p => $"127.0.0.1:{p}")), await withConnectionString.GetConnectionStringAsync(TestContext.Current.CancellationToken));
            var nodes = resources.OfType<LocalRedisClusterNodeResource>().OrderBy(n => n.Port).ToList();
            Assert.Equal(ports, nodes.Select(n => n.Port));
            Assert.Equal(["redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6"], nodes.Select(n => n.Name));
            Assert.All(nodes, node =>
            {
                Assert.Same(redis, node.Cluster);
                Assert.Equal(Path.Combine(data, "redis-cluster", node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), node.WorkingDirectory);
                Assert.True(Directory.Exists(node.WorkingDirectory), "each node has a folder of its own");
            });
            Assert.DoesNotContain(resources, r => r is LocalRedisResource);

            var api = Assert.Single(resources, r => r.Name == "api");
            Assert.Contains(("redis", WaitType.WaitUntilHealthy), api.Annotations.OfType<WaitAnnotation>().Select(w => (w.Resource.Name, w.WaitType)));
            Assert.Equal("{redis.connectionString}", (await EnvironmentOf(builder, "api"))["ConnectionStrings__redis"]);

            // Every master has a replica: both services promise a write only once one holds it.
            Assert.Equal("1", (await EnvironmentOf(builder, "api"))["Redis__ReplicaAcks"]);
            Assert.Equal("1", (await EnvironmentOf(builder, "worker"))["Redis__ReplicaAcks"]);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task The_cluster_topology_fails_naming_the_setting_in_containers_mode_when_its_ports_are_busy_and_when_unknown()
    {
        var containers = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync("Infrastructure:Mode=containers", "Redis:Topology=cluster"));
        Assert.Contains("Redis:Topology 'cluster' cannot run with Infrastructure:Mode 'containers'", Flatten(containers), StringComparison.Ordinal);
        Assert.Contains("Infrastructure:Mode 'local'", Flatten(containers), StringComparison.Ordinal);
        Assert.Contains("'external' (ConnectionStrings:redis lists the cluster's nodes)", Flatten(containers), StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync("Infrastructure:Mode=local", "Redis:Topology=ring"));
        Assert.Contains("Redis:Topology 'ring' is not one of single, cluster", Flatten(unknown), StringComparison.Ordinal);

        var tooHigh = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync("Infrastructure:Mode=local", "Redis:Topology=cluster", "Redis:ClusterPort=55531"));
        Assert.Contains("Redis:ClusterPort '55531' is not a port from 1024 to 55530", Flatten(tooHigh), StringComparison.Ordinal);

        var first = FreePort.NextClusterRange(LocalRedisCluster.LocalNodes);
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, first + 2 + LocalRedisCluster.BusPortOffset);
        busy.Start();
        var data = Directory.CreateTempSubdirectory("wechatai-model-").FullName;
        try
        {
            var taken = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync(
                "Infrastructure:Mode=local", $"Infrastructure:DataDirectory={data}", "Redis:Topology=cluster", $"Redis:ClusterPort={first}"));
            Assert.Contains($"Port {first + 2 + LocalRedisCluster.BusPortOffset} is in use", Flatten(taken), StringComparison.Ordinal);
            Assert.Contains("set Redis:ClusterPort to another first port", Flatten(taken), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task External_mode_takes_a_cluster_node_list_as_its_redis_connection_string_and_starts_nothing()
    {
        const string Nodes = "10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000,password=p";
        await using var builder = await CreateAsync(
            "Infrastructure:Mode=external", "Redis:Topology=cluster", $"ConnectionStrings:redis={Nodes}", "ConnectionStrings:wechatdb=Host=db.example");

        var redis = Assert.Single(builder.Resources, r => r.Name == "redis");
        Assert.Equal(Nodes, await ((IResourceWithConnectionString)redis).GetConnectionStringAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain(builder.Resources, r => r is LocalRedisClusterNodeResource or LocalRedisClusterResource or ContainerResource);
    }

    [Fact]
    public async Task Without_credentials_the_simulator_stands_in_and_with_them_it_does_not()
    {
        await using (var bare = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d"))
        {
            Assert.Contains(bare.Resources, r => r.Name == "simulator");
        }

        await using var configured = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d",
            "Parameters:wechat-token=t", "Parameters:wechat-app-id=wx1", "Parameters:llm-api-key=k");
        Assert.DoesNotContain(configured.Resources, r => r.Name == "simulator");
        Assert.Contains(configured.Resources, r => r is ParameterResource { Name: "wechat-token", Secret: true });
    }

    [Fact]
    public async Task Without_credentials_the_api_publishes_the_menu_to_the_simulator_like_the_worker_pushes_there()
    {
        await using var bare = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d");

        var api = await EnvironmentOf(bare, "api");
        Assert.Contains("simulator", api["WeChat__ApiBaseUrl"], StringComparison.Ordinal);
        Assert.Equal((await EnvironmentOf(bare, "worker"))["WeChat__ApiBaseUrl"], api["WeChat__ApiBaseUrl"]);
    }

    [Fact]
    public async Task In_local_mode_the_simulated_account_and_merchant_are_the_same_on_every_start_with_the_same_data_folder()
    {
        var data = Directory.CreateTempSubdirectory("wechatai-account-").FullName;
        var other = Directory.CreateTempSubdirectory("wechatai-account-").FullName;
        try
        {
            Dictionary<string, string> first, again, elsewhere;
            await using (var builder = await CreateAsync("Infrastructure:Mode=local", $"Infrastructure:DataDirectory={data}"))
            {
                first = await EnvironmentOf(builder, "api");
                var simulator = await EnvironmentOf(builder, "simulator");
                Assert.Equal(Path.Combine(data, "simulator"), simulator["Simulator__DataDirectory"]);
                Assert.Equal(first["WeChat__AppId"], simulator["Simulator__AppId"]);
            }

            await using (var builder = await CreateAsync("Infrastructure:Mode=local", $"Infrastructure:DataDirectory={data}"))
            {
                again = await EnvironmentOf(builder, "api");
            }

            await using (var builder = await CreateAsync("Infrastructure:Mode=local", $"Infrastructure:DataDirectory={other}"))
            {
                elsewhere = await EnvironmentOf(builder, "api");
            }

            string[] kept = ["WeChat__AppId", "WeChat__Token", "WeChat__AppSecret", "WeChat__EncodingAESKey", "WeChatPay__MchId", "WeChatPay__MerchantPrivateKey", "WeChatPay__ApiV3Key"];
            Assert.Equal(kept.Select(k => first[k]), kept.Select(k => again[k]));
            Assert.NotEqual(first["WeChat__AppId"], elsewhere["WeChat__AppId"]);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "simulator", "account.json")));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task The_chat_page_waits_for_a_healthy_api_and_only_it_may_frame_the_purchase_page()
    {
        await using (var bare = await CreateAsync("Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d"))
        {
            var simulator = Assert.Single(bare.Resources, r => r.Name == "simulator");
            Assert.Contains(simulator.Annotations.OfType<WaitAnnotation>(), w => w is { Resource.Name: "api", WaitType: WaitType.WaitUntilHealthy });
            Assert.Contains("simulator", (await EnvironmentOf(bare, "api"))["Api__PayFrameAncestors"], StringComparison.Ordinal);
            Assert.False((await EnvironmentOf(bare, "simulator")).ContainsKey("Simulator__DataDirectory"), "only local mode has a data folder");
        }

        await using var configured = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d",
            "Parameters:wechat-token=t", "Parameters:wechat-app-id=wx1", "Parameters:llm-api-key=k");
        Assert.False((await EnvironmentOf(configured, "api")).ContainsKey("Api__PayFrameAncestors"));
    }

    [Fact]
    public void Every_service_has_its_own_port_in_its_launch_profile()
    {
        var ports = Directory.GetFiles(Repository.Root, "launchSettings.json", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(path => System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("profiles").EnumerateObject()
                .Where(profile => profile.Value.TryGetProperty("applicationUrl", out _))
                .SelectMany(profile => profile.Value.GetProperty("applicationUrl").GetString()!.Split(';'))
                .Select(url => (Project: Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path))), new Uri(url).Port)))
            .Distinct()
            .ToList();

        Assert.True(ports.Count >= 5, string.Join(", ", ports));
        var shared = ports.GroupBy(p => p.Port).Where(g => g.Select(p => p.Project).Distinct().Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(p => p.Project))}");
        Assert.Empty(shared);
    }

    [Fact]
    public async Task The_worker_checks_content_with_the_simulators_moderation_unless_a_moderation_service_is_configured()
    {
        string[] external = ["Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d"];
        await using (var bare = await CreateAsync(external))
        {
            var worker = await EnvironmentOf(bare, "worker");
            Assert.EndsWith("/v1/moderations", worker["Safety__ModerationUrl"], StringComparison.Ordinal);
            Assert.Contains("simulator", worker["Safety__ModerationUrl"], StringComparison.Ordinal);
        }

        await using var configured = await CreateAsync([.. external, "Safety:ModerationUrl=https://moderation.example/v1/moderations", "Safety:ModerationFailClosed=true"]);
        var environment = await EnvironmentOf(configured, "worker");
        Assert.Equal("https://moderation.example/v1/moderations", environment["Safety__ModerationUrl"]);
        Assert.Equal("true", environment["Safety__ModerationFailClosed"]);
    }

    [Fact]
    public async Task The_knowledge_base_embeds_with_the_simulators_model_when_the_LLM_is_simulated_unless_a_provider_is_configured()
    {
        string[] external = ["Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d"];
        await using (var bare = await CreateAsync(external))
        {
            foreach (var service in (string[])["api", "worker"])
            {
                var environment = await EnvironmentOf(bare, service);
                Assert.Contains("simulator", environment["Knowledge__EmbeddingEndpoint"], StringComparison.Ordinal);
                Assert.Equal("simulator-embedding", environment["Knowledge__EmbeddingModel"]);
            }
        }

        await using var configured = await CreateAsync(
            [.. external, "Knowledge:EmbeddingEndpoint=https://embeddings.example/v1", "Knowledge:EmbeddingModel=text-embedding-v4", "Parameters:embedding-api-key=k"]);
        foreach (var service in (string[])["api", "worker"])
        {
            var environment = await EnvironmentOf(configured, service);
            Assert.Equal(("https://embeddings.example/v1", "text-embedding-v4", "{embedding-api-key.value}"), // the key as the secret parameter, not its text
                (environment["Knowledge__EmbeddingEndpoint"], environment["Knowledge__EmbeddingModel"], environment["Knowledge__EmbeddingApiKey"]));
        }
    }

    [Fact]
    public async Task Only_with_the_simulated_account_may_the_worker_fetch_PicUrls_from_this_machine()
    {
        string[] external = ["Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d"];
        await using (var bare = await CreateAsync(external))
        {
            var worker = await EnvironmentOf(bare, "worker");
            Assert.Equal(("localhost,127.0.0.1", "true"), (worker["Media__AllowedImageHosts"], worker["Media__AllowPrivateAddresses"]));
        }

        await using var configured = await CreateAsync(
            [.. external, "Parameters:wechat-token=t", "Parameters:wechat-app-id=wx1", "Parameters:llm-api-key=k", "Media:AllowedImageHosts=qpic.cn"]);
        var environment = await EnvironmentOf(configured, "worker");
        Assert.False(environment.ContainsKey("Media__AllowPrivateAddresses"));
        Assert.Equal("qpic.cn", environment["Media__AllowedImageHosts"]);
    }

    [Fact]
    public async Task The_token_price_goes_to_the_api_for_the_console_overview()
    {
        await using var configured = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d", "Llm:PricePer1kTokens=0.002");

        Assert.Equal("0.002", (await EnvironmentOf(configured, "api"))["Llm__PricePer1kTokens"]);
        Assert.False((await EnvironmentOf(configured, "worker")).ContainsKey("Llm__PricePer1kTokens"));
    }

    [Fact]
    public async Task Each_service_gets_what_its_options_classes_declare_and_never_a_credential_given_as_a_plain_setting()
    {
        await using var configured = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d",
            "Llm:ReasoningSummaryChars=300", "Worker:DeadLetterRetentionDays=3", "Admin:SignInMaxFailures=7", "Admin:SessionCheckSeconds=30",
            "ForwardedHeaders:KnownProxies:0=10.0.0.4",
            "Llm:VisionApiKey=plain-vision-key", "WeChat:Token=plain-token", "WeChat:AppId=plain-app-id", "Admin:ApiKey=plain-admin-key",
            "Admin:Users:0:Name=plain-operator", "Admin:Users:0:PasswordHash=plain-hash", "WeChatPay:ApiV3Key=plain-v3-key");
        var api = await EnvironmentOf(configured, "api");
        var worker = await EnvironmentOf(configured, "worker");
        var admin = await EnvironmentOf(configured, "admin");

        Assert.Equal(("300", "3"), (worker["Llm__ReasoningSummaryChars"], worker["Worker__DeadLetterRetentionDays"]));
        Assert.False(api.ContainsKey("Llm__ReasoningSummaryChars") || api.ContainsKey("Worker__DeadLetterRetentionDays"));
        Assert.Equal("7", api["Admin__SignInMaxFailures"]);
        Assert.Equal("30", admin["Admin__SessionCheckSeconds"]);
        Assert.False(api.ContainsKey("Admin__SessionCheckSeconds") || admin.ContainsKey("Admin__SignInMaxFailures"));
        Assert.All([api, worker, admin], environment => Assert.Equal("10.0.0.4", environment["ForwardedHeaders__KnownProxies__0"]));

        // The AppHost's own settings stay with it; credentials come only from parameters (or the simulator), and an
        // operator's name stays with its hash (alone it would stop the API at startup for want of the hash).
        Assert.False(api.ContainsKey("Api__Replicas") || worker.ContainsKey("Worker__Replicas"));
        Assert.All([api, worker, admin], environment => Assert.DoesNotContain(environment.Values, value => value.StartsWith("plain-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_replica_count_below_one_fails_naming_the_setting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d", "Worker:Replicas=0"));

        Assert.Contains("Worker:Replicas must be at least 1", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_configured_admin_key_and_password_each_run_makes_them_up_for_the_api_the_console_and_the_simulator_only()
    {
        string[] external = ["Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d"];
        string firstKey;
        await using (var bare = await CreateAsync(external))
        {
            Assert.DoesNotContain(bare.Resources, r => r.Name is "admin-api-key" or "admin-password");
            var api = await EnvironmentOf(bare, "api");
            var admin = await EnvironmentOf(bare, "admin");
            firstKey = api["Admin__ApiKey"];
            Assert.Equal(48, firstKey.Length); // at least the API's 16
            Assert.Equal(firstKey, admin["Admin__ApiKey"]);
            Assert.Equal(16, api["Admin__Password"].Length);
            Assert.False(admin.ContainsKey("Admin__Password"), "the console never holds the password: the API checks it");
            var worker = await EnvironmentOf(bare, "worker");
            Assert.False(worker.ContainsKey("Admin__ApiKey") || worker.ContainsKey("Admin__Password"));

            // The simulator plays the operator who writes each user's remark: the key, never the password.
            var simulator = await EnvironmentOf(bare, "simulator");
            Assert.Equal(firstKey, simulator["Admin__ApiKey"]);
            Assert.False(simulator.ContainsKey("Admin__Password"));
        }

        await using (var again = await CreateAsync(external))
        {
            Assert.NotEqual(firstKey, (await EnvironmentOf(again, "api"))["Admin__ApiKey"]);
        }

        await using var configured = await CreateAsync([.. external, "Parameters:admin-api-key=an-admin-key-of-some-length", "Parameters:admin-password=a-configured-password"]);
        Assert.Contains(configured.Resources, r => r is ParameterResource { Name: "admin-api-key", Secret: true });
        Assert.Contains(configured.Resources, r => r is ParameterResource { Name: "admin-password", Secret: true });
        var configuredApi = await EnvironmentOf(configured, "api");
        Assert.Equal("{admin-api-key.value}", configuredApi["Admin__ApiKey"]); // the parameter, not the text
        Assert.Equal("{admin-password.value}", configuredApi["Admin__Password"]);
        var configuredAdmin = await EnvironmentOf(configured, "admin");
        Assert.Equal("{admin-api-key.value}", configuredAdmin["Admin__ApiKey"]);
        Assert.False(configuredAdmin.ContainsKey("Admin__Password"));
        Assert.False((await EnvironmentOf(configured, "worker")).ContainsKey("Admin__ApiKey"));
        Assert.Equal("{admin-api-key.value}", (await EnvironmentOf(configured, "simulator"))["Admin__ApiKey"]);
    }

    [Fact]
    public async Task The_console_reaches_the_api_by_service_discovery_and_waits_for_it()
    {
        await using var bare = await CreateAsync(
            "Infrastructure:Mode=external", "ConnectionStrings:redis=r:1", "ConnectionStrings:wechatdb=Host=d");

        var admin = Assert.Single(bare.Resources, r => r.Name == "admin");
        Assert.IsType<ProjectResource>(admin);
        Assert.Contains(admin.Annotations.OfType<WaitAnnotation>(), w => w is { Resource.Name: "api", WaitType: WaitType.WaitUntilHealthy });
        Assert.Contains(admin.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key.Contains("admin", StringComparison.Ordinal));
        Assert.Contains("api", (await EnvironmentOf(bare, "admin"))["services__api__http__0"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_runtime_without_an_engine_or_cli_does_not_answer()
    {
        Assert.False(ContainerRuntimeProbe.EngineAnswers("wechatai-no-such-container-runtime"));
    }

    private static Task<IDistributedApplicationTestingBuilder> CreateAsync(params string[] args) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.WeChatAi_AppHost>(args, TestContext.Current.CancellationToken);

    private static async Task<Dictionary<string, string>> EnvironmentOf(IDistributedApplicationTestingBuilder builder, string name)
    {
        var resource = (IResourceWithEnvironment)builder.Resources.Single(r => r.Name == name);
#pragma warning disable CS0618 // the model-only way to read a resource's environment without starting it
        return await resource.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
    }

    private static string Flatten(Exception error) => error.ToString();
}
