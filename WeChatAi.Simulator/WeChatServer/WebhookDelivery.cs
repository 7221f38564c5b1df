namespace WeChatAi.Simulator.WeChatServer;

/// <summary>What happened to one push to the webhook across WeChat's attempts.</summary>
/// <param name="Reply">The passive reply's text; null when the webhook answered <c>success</c>, nothing, or failed.</param>
/// <param name="Attempts">How many times it was sent (WeChat: at most 3, same MsgId).</param>
public sealed record WebhookDelivery(bool Delivered, string? Reply, int Attempts, int TotalMs, string? Error);
