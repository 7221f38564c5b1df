namespace WeChatAi.Api.Webhook;

/// <summary>
/// What <see cref="WebhookDispatch"/> found to answer a push: the passive reply's text (null: answer <c>success</c>),
/// that WeChat should try again, or a 401 for a reused signed query.
/// </summary>
internal readonly record struct WebhookAnswer(string? Text, bool LetWeChatRetry, bool SignedQueryReused = false)
{
    public static readonly WebhookAnswer Reused = new(null, LetWeChatRetry: false, SignedQueryReused: true);

    public static implicit operator WebhookAnswer((string? Text, bool LetWeChatRetry) answer) => new(answer.Text, answer.LetWeChatRetry);
}
