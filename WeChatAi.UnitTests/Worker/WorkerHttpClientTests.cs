using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.ServiceDiscovery;
using WeChatAi.Worker.Delivery;

namespace WeChatAi.UnitTests.Worker;

/// <summary>What each per-job HttpClient of the worker keeps of the service defaults' handlers.</summary>
public sealed class WorkerHttpClientTests
{
    [Theory]
    [InlineData("llm")]
    [InlineData(WeChatApiClient.HttpClientName)]
    public void A_per_job_client_keeps_logging_and_resilience_without_service_discovery(string client)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Llm:ApiKey"] = "test-key",
            ["WeChat:AppId"] = "wxtest",
            ["WeChat:AppSecret"] = "secret",
        });
        builder.AddServiceDefaults();
        builder.AddLlm();
        builder.AddWeChatDelivery();
        using var host = builder.Build();

        var handlers = Chain(host.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(client));

        Assert.DoesNotContain(handlers, h => h.GetType().Assembly == typeof(ServiceDiscoveryOptions).Assembly);
        Assert.Single(handlers, h => h is ResilienceHandler);
        Assert.Contains(handlers, h => h is LoggingHttpMessageHandler);
        Assert.Contains(handlers, h => h is LoggingScopeHttpMessageHandler);
    }

    [Fact]
    public void A_client_that_keeps_the_defaults_still_has_service_discovery()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.AddServiceDefaults();
        builder.Services.AddHttpClient("other");
        using var host = builder.Build();

        var handlers = Chain(host.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("other"));

        Assert.Contains(handlers, h => h.GetType().Assembly == typeof(ServiceDiscoveryOptions).Assembly);
    }

    private static List<HttpMessageHandler> Chain(HttpMessageHandler handler)
    {
        List<HttpMessageHandler> chain = [];
        for (HttpMessageHandler? current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(current);
        }

        return chain;
    }
}
