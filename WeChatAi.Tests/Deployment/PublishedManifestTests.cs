using System.Text.Json;

namespace WeChatAi.Tests.Deployment;

/// <summary>The manifest azd deploys, read resource by resource against what azd accepts and what production needs.</summary>
public sealed class PublishedManifestTests(PublishedManifestFixture fixture) : IClassFixture<PublishedManifestFixture>
{
    // The types azd's generator (Azure/azure-dev pkg/apphost) turns into Container Apps, parameters and values;
    // anything else, executable.v0 included, fails with "unsupported resource type".
    private static readonly string[] TypesAzdDeploys =
        ["project.v0", "project.v1", "container.v0", "container.v1", "parameter.v0", "value.v0", "annotated.string"];

    private static readonly string[] Services = ["migrations", "api", "worker", "admin"];

    private static readonly string[] Credentials =
        ["wechat-token", "wechat-app-id", "wechat-app-secret", "wechat-encoding-aes-key", "llm-api-key", "admin-api-key", "admin-password"];

    private PublishedManifest Manifest => fixture.Manifest;

    [Fact]
    public void The_system_is_published_with_types_azd_deploys_and_without_the_simulator_or_bind_mounts()
    {
        Assert.All(Manifest.Resources.EnumerateObject(), resource =>
            Assert.Contains(resource.Value.GetProperty("type").GetString(), TypesAzdDeploys));
        Assert.Equal("container.v0", Type("redis"));
        Assert.Equal("container.v0", Type("postgres"));
        Assert.Equal("value.v0", Type("wechatdb"));
        Assert.All(Services, project => Assert.Equal("project.v0", Type(project)));

        Assert.DoesNotContain("simulator", Manifest.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("bindMounts", Manifest.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_credential_is_a_secret_parameter_without_a_default_and_each_service_references_only_its_own()
    {
        foreach (var name in Credentials)
        {
            Assert.Equal("parameter.v0", Type(name));
            var input = Manifest[name].GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean(), $"{name} is secret");
            Assert.False(input.TryGetProperty("default", out _), $"{name} has no default: the deployment must ask for it");
        }

        Assert.Equal("{wechat-token.value}", Manifest.Env("api", "WeChat__Token"));
        Assert.Equal("{wechat-app-id.value}", Manifest.Env("api", "WeChat__AppId"));
        Assert.Equal("{wechat-encoding-aes-key.value}", Manifest.Env("api", "WeChat__EncodingAESKey"));
        Assert.Equal("{wechat-app-secret.value}", Manifest.Env("api", "WeChat__AppSecret")); // the purchase page's OAuth
        Assert.Null(Manifest.Env("api", "Llm__ApiKey"));

        Assert.Equal("{wechat-app-id.value}", Manifest.Env("worker", "WeChat__AppId"));
        Assert.Equal("{wechat-app-secret.value}", Manifest.Env("worker", "WeChat__AppSecret"));
        Assert.Equal("{llm-api-key.value}", Manifest.Env("worker", "Llm__ApiKey"));
        Assert.Null(Manifest.Env("worker", "WeChat__Token"));
        Assert.Null(Manifest.Env("worker", "WeChat__EncodingAESKey"));
    }

    [Fact]
    public void The_console_is_published_external_with_the_admin_key_and_the_api_alone_checks_the_password()
    {
        var admin = Manifest["admin"].GetProperty("bindings").GetProperty("http");
        Assert.True(admin.TryGetProperty("external", out var external) && external.GetBoolean(), "admin's http endpoint is external");
        Assert.Equal("{admin-api-key.value}", Manifest.Env("admin", "Admin__ApiKey"));
        Assert.Equal("{admin-api-key.value}", Manifest.Env("api", "Admin__ApiKey"));
        Assert.Equal("{admin-password.value}", Manifest.Env("api", "Admin__Password"));
        Assert.Null(Manifest.Env("admin", "Admin__Password"));
        Assert.Null(Manifest.Env("worker", "Admin__ApiKey"));
        Assert.Equal("{api.bindings.http.url}", Manifest.Env("admin", "services__api__http__0"));
        Assert.Contains("admin-api-key, admin-password", Manifest.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deployment_without_a_merchant_or_moderation_service_is_not_asked_for_their_keys()
    {
        Assert.DoesNotContain("wechatpay-", Manifest.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("moderation-api-key", Manifest.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void No_configured_secret_reaches_the_manifest_or_the_publish_log()
    {
        Assert.All(PublishedManifestFixture.ConfiguredSecrets.Values, secret =>
        {
            Assert.DoesNotContain(secret, Manifest.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, Manifest.Log, StringComparison.Ordinal);
        });

        // Every service's environment is literal non-secret settings or references to other resources.
        var secretLike = new[] { "Token", "Secret", "Key", "Password" };
        foreach (var service in Services)
        {
            foreach (var variable in Manifest[service].GetProperty("env").EnumerateObject()
                         .Where(v => secretLike.Any(s => v.Name.Contains(s, StringComparison.OrdinalIgnoreCase))))
            {
                Assert.Matches(@"\{[a-z0-9-]+\.[a-zA-Z.]+\}", variable.Value.GetString());
            }
        }
    }

    [Fact]
    public void The_api_is_reachable_from_outside_and_the_worker_only_inside()
    {
        var api = Manifest["api"].GetProperty("bindings").GetProperty("http");
        Assert.Equal("http", api.GetProperty("scheme").GetString());
        Assert.True(api.TryGetProperty("external", out var external) && external.GetBoolean(), "api's http endpoint is external");

        Assert.All(Manifest["worker"].GetProperty("bindings").EnumerateObject(), binding =>
            Assert.False(binding.Value.TryGetProperty("external", out var e) && e.GetBoolean(), $"worker's {binding.Name} is internal"));
        Assert.False(Manifest["migrations"].TryGetProperty("bindings", out _), "migrations serve nothing");
    }

    [Fact]
    public void Redis_and_postgres_keep_their_data_in_named_volumes_and_redis_keeps_the_queue_durable()
    {
        var redisVolume = Assert.Single(Manifest["redis"].GetProperty("volumes").EnumerateArray());
        Assert.Equal("wechatai-redis-data", redisVolume.GetProperty("name").GetString());
        Assert.Equal("/data", redisVolume.GetProperty("target").GetString());
        var postgresVolume = Assert.Single(Manifest["postgres"].GetProperty("volumes").EnumerateArray());
        Assert.Equal("wechatai-postgres-data", postgresVolume.GetProperty("name").GetString());

        // AddRedis runs `/bin/sh -c "redis-server …"`: the settings must be inside that script to reach redis-server.
        var args = Manifest["redis"].GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Equal("/bin/sh", Manifest["redis"].GetProperty("entrypoint").GetString());
        Assert.Equal(2, args.Count);
        Assert.Equal("-c", args[0]);
        Assert.StartsWith("redis-server ", args[1], StringComparison.Ordinal);
        Assert.EndsWith(" --appendonly yes --appendfsync everysec --maxmemory-policy noeviction", args[1], StringComparison.Ordinal);
        Assert.Contains("--requirepass $REDIS_PASSWORD", args[1], StringComparison.Ordinal);
    }

    [Fact]
    public void What_an_operator_picks_per_deployment_is_a_parameter_with_the_production_default()
    {
        AssertDefault("llm-base-url", "https://api.deepseek.com");
        AssertDefault("llm-model", "deepseek-chat");
        AssertDefault("wechat-reply-mode", "push");

        Assert.Equal("{llm-base-url.value}", Manifest.Env("worker", "Llm__BaseUrl"));
        Assert.Equal("{llm-model.value}", Manifest.Env("worker", "Llm__Model"));
        Assert.Equal("{wechat-reply-mode.value}", Manifest.Env("worker", "WeChat__ReplyMode"));
        Assert.Equal("{wechat-reply-mode.value}", Manifest.Env("api", "WeChat__ReplyMode"));
        // The worker's own default (https://api.weixin.qq.com) applies: nothing points it elsewhere.
        Assert.Null(Manifest.Env("worker", "WeChat__ApiBaseUrl"));

        void AssertDefault(string parameter, string value)
        {
            var input = Manifest[parameter].GetProperty("inputs").GetProperty("value");
            Assert.False(input.TryGetProperty("secret", out var secret) && secret.GetBoolean(), $"{parameter} is not secret");
            Assert.Equal(value, input.GetProperty("default").GetProperty("value").GetString());
        }
    }

    [Fact]
    public void Migrations_stay_up_once_published_and_the_log_gives_the_reasons_for_containers_and_replicas()
    {
        Assert.Equal("true", Manifest.Env("migrations", "Migrations__KeepRunning"));
        Assert.Equal("{wechatdb.connectionString}", Manifest.Env("migrations", "ConnectionStrings__wechatdb"));

        Assert.Contains("Infrastructure mode: containers (publishing:", Manifest.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("running engine", Manifest.Log, StringComparison.Ordinal);
        Assert.Contains("Api:Replicas = 2 is not in the manifest", Manifest.Log, StringComparison.Ordinal);
        Assert.Contains("Worker:Replicas = 1 is not in the manifest", Manifest.Log, StringComparison.Ordinal);
    }

    private string? Type(string resource) => Manifest[resource].GetProperty("type").GetString();
}

/// <summary>Publishing in the other infrastructure modes.</summary>
public sealed class PublishedInfrastructureModeTests
{
    [Fact]
    public async Task External_mode_publishes_the_connection_strings_as_secret_parameters_and_no_store()
    {
        const string RedisPassword = "external-redis-password-4e1f";
        var manifest = await PublishedManifest.PublishAsync(new Dictionary<string, string?>
        {
            ["Infrastructure__Mode"] = "external",
            ["ConnectionStrings__redis"] = $"redis.example:6380,password={RedisPassword},ssl=true",
        });

        foreach (var name in new[] { "redis", "wechatdb" })
        {
            Assert.Equal("parameter.v0", manifest[name].GetProperty("type").GetString());
            Assert.Equal($"{{{name}.value}}", manifest[name].GetProperty("connectionString").GetString());
            Assert.True(manifest[name].GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        }

        Assert.DoesNotContain(manifest.Resources.EnumerateObject(), r => r.Value.GetProperty("type").GetString()!.StartsWith("container.", StringComparison.Ordinal));
        Assert.DoesNotContain(RedisPassword, manifest.Text, StringComparison.Ordinal);
        Assert.Equal("{redis.connectionString}", manifest.Env("api", "ConnectionStrings__redis"));
    }

    [Fact]
    public async Task Redis_durability_always_makes_redis_fsync_before_every_reply()
    {
        var manifest = await PublishedManifest.PublishAsync(new Dictionary<string, string?> { ["Redis__Durability"] = "always" });

        var script = manifest["redis"].GetProperty("args").EnumerateArray().Last().GetString()!;
        Assert.EndsWith(" --appendonly yes --appendfsync always --maxmemory-policy noeviction", script, StringComparison.Ordinal);
        Assert.Contains("Redis durability: always", manifest.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_in_external_mode_publishes_as_the_same_secret_connection_string_and_in_containers_the_AppHost_says_which_modes_take_it()
    {
        const string Nodes = "10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000,password=cluster-password-6b2e";
        var external = await PublishedManifest.PublishAsync(new Dictionary<string, string?>
        {
            ["Infrastructure__Mode"] = "external",
            ["Redis__Topology"] = "cluster",
            ["ConnectionStrings__redis"] = Nodes,
        });

        Assert.Equal("parameter.v0", external["redis"].GetProperty("type").GetString());
        Assert.True(external["redis"].GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        Assert.Equal("{redis.connectionString}", external.Env("api", "ConnectionStrings__redis"));
        Assert.Equal("{redis.connectionString}", external.Env("worker", "ConnectionStrings__redis"));
        Assert.DoesNotContain("cluster-password-6b2e", external.Text, StringComparison.Ordinal);
        Assert.Contains("Redis topology: cluster", external.Log, StringComparison.Ordinal);

        // auto publishes containers: a single Redis container, which a cluster cannot be.
        var (exitCode, log, text) = await PublishedManifest.RunAsync(new Dictionary<string, string?> { ["Redis__Topology"] = "cluster" });
        Assert.NotEqual(0, exitCode);
        Assert.Null(text);
        Assert.Contains("Redis:Topology 'cluster' cannot run with Infrastructure:Mode 'containers'", log, StringComparison.Ordinal);
        Assert.Contains("'external' (ConnectionStrings:redis lists the cluster's nodes)", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_mode_cannot_be_published_and_the_AppHost_says_why()
    {
        var (exitCode, log, text) = await PublishedManifest.RunAsync(new Dictionary<string, string?> { ["Infrastructure__Mode"] = "local" });

        Assert.NotEqual(0, exitCode);
        Assert.Null(text);
        Assert.Contains("Infrastructure:Mode 'local' cannot be published", log, StringComparison.Ordinal);
    }
}
