using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Billing;

/// <summary>
/// What users hear about their quota: the over-quota reply with the purchase link and the answer to <c>额度</c>/<c>/quota</c>
/// (also the menu's "my quota" key: <see cref="DescribeAsync"/>). The figures come from Redis, where they are live.
/// </summary>
public sealed class QuotaReplies(IConnectionMultiplexer redis, JobShards shards, CreditCache credits, IOptionsMonitor<BillingOptions> billing, IOptions<PublicUrlOptions> publicUrl, TimeProvider time)
{
    public const string UnavailableText = "暂时无法查询您的提问额度，请稍后再试。";

    /// <summary>The purchase page: <c>Billing:PurchaseUrl</c>, else <c>Api:PublicBaseUrl</c> + <c>/pay</c>; null when neither is set.</summary>
    public string? PurchaseUrl =>
        !string.IsNullOrEmpty(billing.CurrentValue.PurchaseUrl) ? billing.CurrentValue.PurchaseUrl
        : publicUrl.Value.BaseUri is { } baseUri ? new Uri(baseUri, "pay").ToString()
        : null;

    /// <summary><c>Billing:OverQuotaText</c> with the day's free questions filled in, then the purchase link.</summary>
    public string OverQuotaText
    {
        get
        {
            var settings = billing.CurrentValue;
            var text = settings.FreeDailyMessages == 0 && settings.OverQuotaText == BillingOptions.DefaultOverQuotaText
                ? "您的积分已用完。" // the default names free questions an account without any does not give
                : settings.OverQuotaText.Replace(BillingOptions.FreePlaceholder, settings.FreeDailyMessages.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            return text + PurchaseLine;
        }
    }

    /// <summary>Free questions left today, credits, and where to buy more.</summary>
    public async Task<string> DescribeAsync(string appId, string openId, CancellationToken cancellationToken = default)
    {
        var limit = billing.CurrentValue.FreeDailyMessages;
        var used = (long?)await redis.GetDatabase().StringGetAsync(BillingKeys.FreeUsed(shards.Of(openId), appId, openId, BillingDay.Of(time.GetUtcNow()))).ConfigureAwait(false) ?? 0;
        long balance;
        try
        {
            balance = await credits.PeekAsync(appId, openId).ConfigureAwait(false) ?? await credits.LoadAsync(appId, openId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RedisException)
        {
            return UnavailableText;
        }

        return string.Create(CultureInfo.InvariantCulture, $"今日免费提问剩余 {Math.Max(0, limit - used)}/{limit} 次，积分 {balance}（每次提问用 1 积分）。{PurchaseLine}");
    }

    // WeChat shows <a href> in a text reply as a tappable link, opened in its browser (where the page pays with JSAPI).
    private string PurchaseLine => PurchaseUrl is { } url ? $"<a href=\"{url}\">购买积分</a>" : string.Empty;
}
