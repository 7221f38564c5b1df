using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class AppHostTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Every_resource_is_healthy_and_both_api_replicas_answer_through_the_proxy()
    {
        using var cts = new CancellationTokenSource(AppHostFixture.StartTimeout);
        foreach (var name in new[] { "redis", "postgres", "wechatdb" })
        {
            await fixture.Notifications.WaitForResourceHealthyAsync(name, cts.Token);
        }

        var healthyApiReplicas = new HashSet<string>();
        await foreach (var update in fixture.Notifications.WatchAsync(cts.Token))
        {
            if (update.Resource.Name == "api" && update.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
            {
                healthyApiReplicas.Add(update.ResourceId);
                if (healthyApiReplicas.Count == 2)
                {
                    break;
                }
            }
        }

        Assert.Equal(2, healthyApiReplicas.Count);
        Assert.True(fixture.Notifications.TryGetCurrentState("migrations", out var migrations));
        Assert.Equal(KnownResourceStates.Finished, migrations.Snapshot.State?.Text);
        Assert.Equal(0, migrations.Snapshot.ExitCode);

        // The proxy balances per connection: fresh clients land on both replicas over a few calls.
        for (var i = 0; i < 4; i++)
        {
            using var api = fixture.App.CreateHttpClient("api");
            using var response = await api.GetAsync(new Uri("/health", UriKind.Relative), cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var worker = fixture.App.CreateHttpClient("worker");
        Assert.Equal(HttpStatusCode.OK, (await worker.GetAsync(new Uri("/health", UriKind.Relative), cts.Token)).StatusCode);
    }

    [Fact]
    public async Task Stopping_redis_makes_the_api_unhealthy_and_starting_it_again_recovers_without_restarting_the_api()
    {
        using var cts = new CancellationTokenSource(AppHostFixture.StartTimeout);
        await fixture.Notifications.WaitForResourceHealthyAsync("api", cts.Token);
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        using var api = fixture.App.CreateHttpClient("api");

        var stopped = await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StopCommand, cts.Token);
        Assert.True(stopped.Success, stopped.Message);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WaitForHealthAsync(api, HttpStatusCode.ServiceUnavailable, cts.Token));

        var started = await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand, cts.Token);
        Assert.True(started.Success, started.Message);
        Assert.Equal(HttpStatusCode.OK, await WaitForHealthAsync(api, HttpStatusCode.OK, cts.Token));
    }

    private static async Task<HttpStatusCode> WaitForHealthAsync(HttpClient client, HttpStatusCode wanted, CancellationToken cancellationToken)
    {
        HttpStatusCode status;
        do
        {
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
            status = response.StatusCode;
            if (status == wanted)
            {
                break;
            }

            await Task.Delay(500, cancellationToken);
        }
        while (!cancellationToken.IsCancellationRequested);

        return status;
    }
}
