using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.WebUtilities;

namespace WeChatAi.Admin.Api;

/// <summary>
/// The API's <c>/api/admin</c> endpoints, typed. Created in the circuit's scope, so every call names the signed-in
/// operator (<c>X-Admin-Operator</c>, the audit's actor); the key is added by the client's configuration. A refusal
/// or an unreachable API is an <see cref="AdminApiException"/> carrying the API's message.
/// </summary>
public sealed partial class AdminApi(HttpClient http, AuthenticationStateProvider authentication)
{
    public const string OperatorHeader = "X-Admin-Operator";

    public Task<OverviewSnapshot> OverviewAsync(CancellationToken cancellationToken = default) =>
        SendAsync<OverviewSnapshot>(HttpMethod.Get, "api/admin/overview", null, cancellationToken);

    public Task<UserPage> UsersAsync(string? q, string? before = null, CancellationToken cancellationToken = default) =>
        SendAsync<UserPage>(HttpMethod.Get, Query("api/admin/users", ("q", q), ("before", before)), null, cancellationToken);

    public Task<UserView> UserAsync(string openId, CancellationToken cancellationToken = default) =>
        SendAsync<UserView>(HttpMethod.Get, UserPath(openId), null, cancellationToken);

    public Task<ExchangePage> ExchangesAsync(string openId, string? before = null, CancellationToken cancellationToken = default) =>
        SendAsync<ExchangePage>(HttpMethod.Get, Query(UserPath(openId) + "/exchanges", ("before", before)), null, cancellationToken);

    public Task<UserView> BlockAsync(string openId, string reason) =>
        SendAsync<UserView>(HttpMethod.Post, UserPath(openId) + "/block", new BlockBody { Reason = reason }, default);

    public Task<UserView> UnblockAsync(string openId) =>
        SendAsync<UserView>(HttpMethod.Post, UserPath(openId) + "/unblock", null, default);

    public Task ResetMemoryAsync(string openId) =>
        SendAsync<object>(HttpMethod.Post, UserPath(openId) + "/reset-memory", null, default);

    public Task<BalanceView> GrantCreditsAsync(string openId, CreditsBody grant) =>
        SendAsync<BalanceView>(HttpMethod.Post, UserPath(openId) + "/credits", grant, default);

    public Task<UserView> SetNicknameAsync(string openId, string nickname) =>
        SendAsync<UserView>(HttpMethod.Put, UserPath(openId) + "/nickname", new NicknameBody { Nickname = nickname }, default);

    public Task<DeadLetterPage> DeadLettersAsync(string? after = null, CancellationToken cancellationToken = default) =>
        SendAsync<DeadLetterPage>(HttpMethod.Get, Query("api/admin/dead-letters", ("after", after)), null, cancellationToken);

    public Task<RetriedDeadLetter> RetryDeadLetterAsync(string id) =>
        SendAsync<RetriedDeadLetter>(HttpMethod.Post, $"api/admin/dead-letters/{Uri.EscapeDataString(id)}/retry", null, default);

    public Task<RetryAllResult> RetryAllDeadLettersAsync() =>
        SendAsync<RetryAllResult>(HttpMethod.Post, "api/admin/dead-letters/retry-all", null, default);

    public Task DiscardDeadLetterAsync(string id) =>
        SendAsync<object>(HttpMethod.Delete, $"api/admin/dead-letters/{Uri.EscapeDataString(id)}", null, default);

    public Task<OrderPage> OrdersAsync(OrderFilter filter, string? before = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return SendAsync<OrderPage>(HttpMethod.Get, Query("api/admin/orders",
            ("state", filter.State), ("openId", filter.OpenId), ("from", Date(filter.From)), ("to", Date(filter.To)), ("before", before)), null, cancellationToken);
    }

    public Task<IReadOnlyList<RevenueDay>> RevenueAsync(int days, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<RevenueDay>>(HttpMethod.Get, Query("api/admin/revenue", ("days", days.ToString(CultureInfo.InvariantCulture))), null, cancellationToken);

    /// <summary>200 (settled, <c>RefundDone</c>) and 202 (sent to WeChat Pay) both read as the 202's shape; a 200 has no outcome.</summary>
    public Task<RefundRequested> RefundAsync(string outTradeNo, string? reason) =>
        SendAsync<RefundRequested>(HttpMethod.Post, $"api/admin/orders/{Uri.EscapeDataString(outTradeNo)}/refund", new RefundBody { Reason = reason }, default);

    public Task<MenuView> MenuAsync(CancellationToken cancellationToken = default) =>
        SendAsync<MenuView>(HttpMethod.Get, "api/admin/menu", null, cancellationToken);

    public Task<MenuView> SaveMenuAsync(EditableMenu menu)
    {
        ArgumentNullException.ThrowIfNull(menu);
        return SendAsync<MenuView>(HttpMethod.Put, "api/admin/menu", new EditableMenu { Button = [.. menu.Button.Select(b => b.Normalized())] }, default);
    }

    public Task<MenuView> PublishMenuAsync() =>
        SendAsync<MenuView>(HttpMethod.Post, "api/admin/menu/publish", null, default);

    public Task<IReadOnlyList<KeywordRuleView>> KeywordsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<KeywordRuleView>>(HttpMethod.Get, "api/admin/keywords", null, cancellationToken);

    public Task<KeywordRuleView> AddKeywordAsync(KeywordRuleInput rule) =>
        SendAsync<KeywordRuleView>(HttpMethod.Post, "api/admin/keywords", rule.ToRequest(), default);

    public Task<KeywordRuleView> UpdateKeywordAsync(long id, KeywordRuleInput rule) =>
        SendAsync<KeywordRuleView>(HttpMethod.Put, $"api/admin/keywords/{id}", rule.ToRequest(), default);

    public Task DeleteKeywordAsync(long id) =>
        SendAsync<object>(HttpMethod.Delete, $"api/admin/keywords/{id}", null, default);

    public Task<SettingsState> SettingsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<SettingsState>(HttpMethod.Get, "api/admin/settings", null, cancellationToken);

    public Task<SettingsState> UpdateSettingsAsync(SettingsUpdate update) =>
        SendAsync<SettingsState>(HttpMethod.Put, "api/admin/settings", update, default);

    public Task<AuditPage> AuditAsync(string? actor, string? action, string? before = null, CancellationToken cancellationToken = default) =>
        SendAsync<AuditPage>(HttpMethod.Get, Query("api/admin/audit", ("actor", actor), ("action", action), ("before", before)), null, cancellationToken);

    /// <summary>The operators' changes to one user (block, unblock, credits, memory, nickname), newest first.</summary>
    public Task<AuditPage> UserAuditAsync(string openId, CancellationToken cancellationToken = default) =>
        SendAsync<AuditPage>(HttpMethod.Get, Query("api/admin/audit", ("target", openId), ("count", "200")), null, cancellationToken);

    /// <summary>
    /// <c>POST /api/admin/sign-in</c> with the browser's address in <c>X-Forwarded-For</c> (the API counts failures per
    /// name and address). 401, 423 and 429 are answers, not errors: their message is shown on the form.
    /// </summary>
    public async Task<SignInResult> SignInAsync(SignInRequest credentials, IPAddress? browser, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/admin/sign-in") { Content = JsonContent.Create(credentials, options: AdminApiJson.Options) };
        if (browser is not null)
        {
            request.Headers.Add("X-Forwarded-For", browser.ToString());
        }

        using var response = await SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Locked or HttpStatusCode.TooManyRequests)
        {
            return new SignInResult(null, (await AdminApiException.FromResponseAsync(response, cancellationToken)).Message);
        }

        var accepted = await ReadAsync<SignedIn>(response, cancellationToken);
        return new SignInResult(accepted.Name, null, accepted.Stamp);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: AdminApiJson.Options);
        }

        var user = (await authentication.GetAuthenticationStateAsync()).User;
        if (user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            // Headers are ASCII: a name such as 张三 travels percent-encoded (UTF-8); ASCII letters and digits are unchanged.
            request.Headers.Add(OperatorHeader, Uri.EscapeDataString(name));
        }

        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new AdminApiException(0, $"The API could not be reached ({ex.Message}).", innerException: ex);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await AdminApiException.FromResponseAsync(response, cancellationToken);
        }

        if (response.StatusCode == HttpStatusCode.NoContent || typeof(T) == typeof(object))
        {
            return default!;
        }

        return await response.Content.ReadFromJsonAsync<T>(AdminApiJson.Options, cancellationToken)
            ?? throw new AdminApiException((int)response.StatusCode, $"The API answered {request(response)} with an empty body.");

        static string request(HttpResponseMessage r) => $"{r.RequestMessage?.Method} {r.RequestMessage?.RequestUri?.AbsolutePath}";
    }

    private static string UserPath(string openId) => "api/admin/users/" + Uri.EscapeDataString(openId);

    private static string? Date(DateTime? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Query(string path, params (string Name, string? Value)[] parameters) =>
        QueryHelpers.AddQueryString(path, parameters.Where(p => !string.IsNullOrWhiteSpace(p.Value)).Select(p => new KeyValuePair<string, string?>(p.Name, p.Value!.Trim())));
}
