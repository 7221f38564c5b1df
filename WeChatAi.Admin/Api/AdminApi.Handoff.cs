namespace WeChatAi.Admin.Api;

// Handoff to a person (docs/handoff.md): the Inbox's calls, apart from the rest so the features stay easy to tell apart.
public sealed partial class AdminApi
{
    public Task<List<HandoffListItem>> HandoffSessionsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<List<HandoffListItem>>(HttpMethod.Get, "api/admin/handoff", null, cancellationToken);

    /// <summary>The user's open session (or the last one) with its messages; 404 when the user never had one.</summary>
    public Task<HandoffView> HandoffSessionAsync(string openId, CancellationToken cancellationToken = default) =>
        SendAsync<HandoffView>(HttpMethod.Get, HandoffPath(openId), null, cancellationToken);

    /// <summary>409 naming another assignee (<see cref="AdminApiException.Extensions"/> <c>assignee</c>) unless <paramref name="force"/>.</summary>
    public Task<HandoffListItem> TakeOverAsync(string openId, bool force) =>
        SendAsync<HandoffListItem>(HttpMethod.Post, HandoffPath(openId), new TakeBody { Force = force ? true : null }, default);

    /// <summary>Pushes the text once per <paramref name="idempotencyKey"/>: a retry with the same key never sends twice.</summary>
    public Task<HandoffMessageView> ReplyAsync(string openId, string text, string idempotencyKey) =>
        SendAsync<HandoffMessageView>(HttpMethod.Post, HandoffPath(openId) + "/messages", new ReplyBody { Text = text, IdempotencyKey = idempotencyKey }, default);

    public Task<CloseView> HandBackAsync(string openId) =>
        SendAsync<CloseView>(HttpMethod.Post, HandoffPath(openId) + "/close", null, default);

    private static string HandoffPath(string openId) => "api/admin/handoff/" + Uri.EscapeDataString(openId);
}
