using Microsoft.Extensions.Options;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Passive;
using WeChatAi.Core.Readiness;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// Before the API listens: builds the webhook, its filter and their singletons (settings bound, AES keys expanded, the
/// admission's sender loop running), has Redis compile the admission script, runs the plaintext replay check once and
/// opens the passive-answer subscription, so the first burst of requests meets none of that work (docs/reliability.md, "Startup and readiness").
/// </summary>
internal sealed class WebhookWarmUp(IServiceProvider services, IOptions<WeChatOptions> options) : IStartupWarmUp
{
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<WebhookAuthentication>();
        _ = services.GetRequiredService<WeChatWebhook>();
        await services.GetRequiredService<MessageAdmission>().WarmUpAsync(options.Value.AppId ?? string.Empty).WaitAsync(cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<PassiveReplyWaiter>().EnsureSubscribedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (options.Value.IsWebhookConfigured)
        {
            await services.GetRequiredService<SignedQueryReplay>().WarmUpAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
