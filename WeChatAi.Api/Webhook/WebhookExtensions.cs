using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Billing;
using WeChatAi.Api.Passive;
using WeChatAi.Api.Webhook;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Readiness;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

public static class WebhookExtensions
{
    /// <summary>
    /// Registers the webhook (its authentication filter, dispatch and reply texts), the WeChat and rate-limit settings
    /// (validated at startup), message admission, the instant replies (commands, keyword rules, "继续") and their
    /// warm-up before the API listens.
    /// </summary>
    public static TBuilder AddWeChatWebhook<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<WeChatOptions>(WeChatOptions.Section);
        builder.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);
        builder.AddValidatedOptions<PublicUrlOptions>(PublicUrlOptions.Section);
        builder.AddWeChatBilling();
        builder.AddValidatedOptions<ComplianceOptions>(ComplianceOptions.Section);
        builder.AddValidatedOptions<MediaSupportOptions>(MediaSupportOptions.Section);

        // What the webhook answers before admission (commands, keyword rules); see InstantReplies.
        builder.AddChatCommands();
        builder.AddKeywordReplies();
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MessageAdmission>();
        services.AddSingleton<BlockedUsers>();
        services.AddHostedService<BlockedUsersSync>();
        services.AddSingleton<PassiveReplyWaiter>();
        services.AddSingleton<WeChatUserStore>();
        services.AddSingleton<PendingParts>();
        services.AddSingleton<InstantReplies>();
        services.AddSingleton<QuotaReplies>();
        services.AddChatCommand<QuotaCommand>();
        services.AddSingleton<SignedQueryReplay>();
        services.AddSingleton<WebhookAuthentication>();
        services.AddSingleton<ReplyTexts>();
        services.AddSingleton<WebhookDispatch>();
        services.AddSingleton<WeChatWebhook>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupWarmUp, WebhookWarmUp>());
        return builder;
    }

    /// <summary>Maps <c>GET /wechat</c> (URL verification) and <c>POST /wechat</c> (messages and events).</summary>
    public static WebApplication MapWeChatWebhook(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<WeChatOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WeChatWebhook).FullName!);
        if (options.IsWebhookConfigured)
        {
            WebhookLog.WebhookEnabled(logger, options.AppId!, string.IsNullOrEmpty(options.EncodingAESKey) ? "off" : "on", options.ReplyMode);
            if (options.AcceptPlaintext && !string.IsNullOrEmpty(options.EncodingAESKey))
            {
                WebhookLog.AcceptingPlaintext(logger);
            }
        }
        else
        {
            WebhookLog.WebhookDisabled(logger);
        }

        // One filter authenticates both: nothing reaches a handler unauthenticated.
        var authentication = app.Services.GetRequiredService<WebhookAuthentication>();
        app.MapGet("/wechat", WeChatWebhook.Verify).AddEndpointFilter(authentication);
        app.MapPost("/wechat", (HttpContext context, WeChatWebhook webhook) => webhook.ReceiveAsync(context))
            .AddEndpointFilter(authentication)
            .WithMetadata(new RequestSizeLimitAttribute(WeChatRequestBody.DrainLimitBytes));
        return app;
    }
}
