using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;
using WeChatAi.Simulator.Browser;
using WeChatAi.Simulator.Chat;
using WeChatAi.Simulator.Embeddings;
using WeChatAi.Simulator.Llm;
using WeChatAi.Simulator.Moderation;
using WeChatAi.Simulator.OAuth;
using WeChatAi.Simulator.State;
using WeChatAi.Simulator.WeChatApi;
using WeChatAi.Simulator.WeChatPay;
using WeChatAi.Simulator.WeChatServer;

namespace WeChatAi.Simulator;

public static class SimulatorExtensions
{
    public static WebApplicationBuilder AddWeChatSimulator(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SimulatorOptions>()
            .Bind(builder.Configuration.GetSection(SimulatorOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(LlmEndpoints.CurrentFaults, (sp, _) => sp.GetRequiredService<IOptions<SimulatorOptions>>().Value.Llm);
        builder.Services.AddSingleton<StateFiles>();
        builder.Services.AddSingleton<Timeline>();
        builder.Services.AddSingleton<SimulatedUsers>();
        builder.Services.AddSingleton<AccessTokens>();
        builder.Services.AddSingleton<CustomerServiceBudget>();
        builder.Services.AddSingleton<TypingState>();
        builder.Services.AddSingleton<PushCounter>();
        builder.Services.AddSingleton<PublishedMenu>();
        builder.Services.AddSingleton<PublishedArticles>();
        builder.Services.AddSingleton<MediaStore>();
        builder.Services.AddSingleton<LlmStats>();
        builder.Services.AddSingleton<EmbeddingState>();
        builder.Services.AddSingleton<WeChatCryptoHolder>();
        builder.Services.AddSingleton<BurstRunner>();
        builder.Services.AddSingleton<SimulatedPay>();
        builder.Services.AddSingleton<SimulatedBrowser>();
        builder.Services.AddHttpClient<PayNotifier>();
        builder.Services.AddHttpClient(OperatorRemarks.ClientName);
        builder.Services.AddSingleton<OperatorRemarks>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OperatorRemarks>());

        // The chat page polls these every 1–5 s; as traces they would bury the messages' traces in the dashboard.
        builder.Services.Configure<AspNetCoreTraceInstrumentationOptions>(options =>
        {
            var previous = options.Filter;
            options.Filter = context => !ChatEndpoints.IsPagePoll(context.Request) && (previous?.Invoke(context) ?? true);
        });

        // The "WeChat browser" follows no redirects and keeps no cookies: the page in the frame does both.
        builder.Services.AddHttpClient(nameof(BrowserProxy)).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

        // WeChat's servers do not retry the way a resilience handler would: one try per attempt, 5 s, three attempts.
#pragma warning disable EXTEXP0001 // The only way to take the defaults' retries off one client; the API is experimental, not unsafe.
        builder.Services.AddHttpClient<WebhookSender>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(1) });
#pragma warning restore EXTEXP0001
        return builder;
    }

    public static WebApplication MapWeChatSimulator(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();

        // Routing after the static files: the "WeChat browser" fallback takes only what the simulator does not serve.
        app.UseRouting();
        app.MapWeChatApi();
        app.MapFakeLlm();
        app.MapFakeEmbeddings();
        app.MapFakeModeration();
        app.MapChat();
        app.MapWeChatPay();
        app.MapWeChatOAuth();
        app.MapWeChatBrowser();
        return app;
    }
}
