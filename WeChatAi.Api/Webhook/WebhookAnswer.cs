using WeChatAi.Api.Commands;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// What <see cref="WebhookDispatch"/> found to answer a push: the passive reply's text (null: answer <c>success</c>),
/// that WeChat should try again, a 401 for a reused signed query, or WeChat's <c>transfer_customer_service</c> reply.
/// </summary>
internal readonly record struct WebhookAnswer(string? Text, bool LetWeChatRetry, bool SignedQueryReused = false, bool TransfersToCustomerService = false)
{
    public static readonly WebhookAnswer Reused = new(null, LetWeChatRetry: false, SignedQueryReused: true);

    public static readonly WebhookAnswer Transfer = new(null, LetWeChatRetry: false, TransfersToCustomerService: true);

    /// <summary>An instant reply's answer: its text, or the transfer.</summary>
    public static WebhookAnswer Of(CommandReply? reply) => reply is { TransfersToCustomerService: true } ? Transfer : new(reply?.Text, false);

    public static implicit operator WebhookAnswer((string? Text, bool LetWeChatRetry) answer) => new(answer.Text, answer.LetWeChatRetry);
}
