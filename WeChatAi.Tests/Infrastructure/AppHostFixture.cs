using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// The whole AppHost in local mode (real redis-server and postgres processes) with no credentials, so the simulator
/// stands in for WeChat and the LLM; one for the whole <see cref="AppHostCollection"/>. Besides <c>admin</c>, the API has a
/// second console user (<see cref="SecondOperator"/>), for what two operators see of each other.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The second console user's name and password (<c>Admin:Users:0</c> of the API, its hash made here).</summary>
    public const string SecondOperator = "operator-b";

    public const string SecondPassword = "second-operator-password";

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("wechatai-apphost-").FullName;

    public DistributedApplication App { get; private set; } = null!;

    public ResourceNotificationService Notifications => App.ResourceNotifications;

    public async ValueTask InitializeAsync()
    {
        App = await StartAsync(_dataDirectory, WithSecondOperator);
    }

    /// <summary>Builds and starts the AppHost in local mode with its data in <paramref name="dataDirectory"/> (and any <paramref name="settings"/>, "Key=value").</summary>
    public static Task<DistributedApplication> StartAsync(string dataDirectory, params string[] settings) => StartAsync(dataDirectory, null, settings);

    /// <inheritdoc cref="StartAsync(string, string[])"/>
    /// <param name="configure">Changes to the model before it starts (a resource's environment).</param>
    public static async Task<DistributedApplication> StartAsync(string dataDirectory, Action<IDistributedApplicationTestingBuilder>? configure, params string[] settings)
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.WeChatAi_AppHost>(
            ["Infrastructure:Mode=local", $"Infrastructure:DataDirectory={dataDirectory}", .. settings], cts.Token);
        configure?.Invoke(builder);
        var app = await builder.BuildAsync(cts.Token);
        await app.StartAsync(cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("api", cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("worker", cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("simulator", cts.Token);
        return app;
    }

    // The AppHost never forwards a password hash as a setting (a secret): the test gives it to the API's environment.
    private static void WithSecondOperator(IDistributedApplicationTestingBuilder builder) =>
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Admin__Users__0__Name", SecondOperator)
            .WithEnvironment("Admin__Users__0__PasswordHash", WeChatAi.Api.Admin.AdminPasswords.Hash(SecondPassword));

    /// <summary>The environment the running <paramref name="resource"/> was started with (e.g. the credentials made up for the run).</summary>
    public Task<Dictionary<string, string>> EnvironmentOfAsync(string resource) => EnvironmentOfAsync(App, resource);

    /// <inheritdoc cref="EnvironmentOfAsync(string)"/>
    public static async Task<Dictionary<string, string>> EnvironmentOfAsync(DistributedApplication app, string resource)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var withEnvironment = (IResourceWithEnvironment)model.Resources.Single(r => r.Name == resource);
#pragma warning disable CS0618 // the way to read a running resource's configured environment from a test
        return await withEnvironment.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
#pragma warning restore CS0618
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    /// <summary>AppHost tests run one at a time: each starts a dozen processes on a 2-core machine.</summary>
    public const string Name = "apphost";
}
