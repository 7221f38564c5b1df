using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using QRCoder;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatPay;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Purchase;

/// <summary>
/// The purchase page's API: the products, the payer's account (<c>/me</c>: free questions left, credits, orders, the
/// CSRF token) and a new order (<c>{"productId"}</c> → JSAPI pay parameters, or a QR code outside WeChat's phone
/// browser; the payer's open order for the product again, 409 past <c>Billing:MaxPendingOrders</c>).
/// </summary>
internal static class PurchaseApi
{
    private const int OrdersShown = 20;

    public static Ok<IEnumerable<ProductView>> Products(IOptionsMonitor<BillingOptions> billing) =>
        TypedResults.Ok(billing.CurrentValue.Products.Select(ProductView.From));

    public static async Task<Results<Ok<MeView>, ProblemHttpResult>> MeAsync(
        HttpContext context, PayerSession session, WeChatDbContext db, CreditCache credits, CreditLedger ledger,
        StackExchange.Redis.IConnectionMultiplexer redis, JobShards shards, IOptionsMonitor<BillingOptions> billing, IOptions<WeChatOptions> weChat, TimeProvider time, CancellationToken cancellationToken)
    {
        if (session.OpenId(context) is not { } openId)
        {
            return Unauthorized();
        }

        var appId = weChat.Value.AppId!;
        var used = (long?)await redis.GetDatabase().StringGetAsync(BillingKeys.FreeUsed(shards.Of(openId), appId, openId, BillingDay.Of(time.GetUtcNow()))) ?? 0;
        var balance = await credits.PeekAsync(appId, openId) ?? await credits.LoadAsync(appId, openId, cancellationToken);
        var recorded = await ledger.BalanceAsync(db, appId, openId, cancellationToken);
        var orders = await db.Orders.AsNoTracking()
            .Where(o => o.AppId == appId && o.OpenId == openId)
            .OrderByDescending(o => o.CreatedAt)
            .Take(OrdersShown)
            .Select(o => new PayerOrderView(o.OutTradeNo, o.ProductId, o.ProductName, o.AmountFen, o.Credits, o.State.ToString().ToUpperInvariant(), o.CreatedAt, o.PaidAt))
            .ToListAsync(cancellationToken);
        var limit = billing.CurrentValue.FreeDailyMessages;
        return TypedResults.Ok(new MeView(openId, limit, (int)Math.Max(0, limit - used), balance, recorded.NextExpiry, session.CsrfToken(openId), orders));
    }

    public static async Task<Results<Ok<JsapiOrderView>, Ok<NativeOrderView>, ProblemHttpResult>> CreateOrderAsync(
        HttpContext context, OrderRequest request, PayerSession session, PurchaseOrders orders, WeChatDbContext db,
        IOptionsMonitor<BillingOptions> billing, IOptions<WeChatPayOptions> pay, CancellationToken cancellationToken)
    {
        if (session.OpenId(context) is not { } openId)
        {
            return Unauthorized();
        }

        if (!session.HasValidCsrfToken(context, openId))
        {
            return TypedResults.Problem($"The {PayerSession.CsrfHeader} header is missing or wrong; reload the page.", statusCode: StatusCodes.Status403Forbidden);
        }

        if (billing.CurrentValue.Find(request.ProductId) is not { } product)
        {
            var known = string.Join(", ", billing.CurrentValue.Products.Select(p => p.Id));
            return TypedResults.Problem($"Unknown product '{request.ProductId}'. Products on sale: {known}.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (!pay.Value.IsConfigured)
        {
            return TypedResults.Problem("WeChat Pay is not configured (WeChatPay:*), so nothing can be bought yet.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var channel = IsWeChatOnPhone(context.Request.Headers.UserAgent.ToString()) ? PaymentChannel.Jsapi : PaymentChannel.Native;
        OrderCreated created;
        try
        {
            created = await orders.CreateAsync(db, openId, product, channel, cancellationToken);
        }
        catch (PrepayFailedException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway);
        }
        catch (TooManyPendingOrdersException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }

        if (created.Jsapi is { } jsapi)
        {
            return TypedResults.Ok(new JsapiOrderView(created.OutTradeNo, jsapi.AppId, jsapi.TimeStamp, jsapi.NonceStr, jsapi.Package, jsapi.SignType, jsapi.PaySign));
        }

        return TypedResults.Ok(new NativeOrderView(created.OutTradeNo, created.CodeUrl!, QrImage(created.CodeUrl!)));
    }

    /// <summary>JSAPI works only in WeChat's phone browser; its desktop browsers and every other browser get a QR code.</summary>
    public static bool IsWeChatOnPhone(string userAgent) =>
        userAgent.Contains("MicroMessenger", StringComparison.OrdinalIgnoreCase)
        && !userAgent.Contains("WindowsWechat", StringComparison.OrdinalIgnoreCase)
        && !userAgent.Contains("MacWechat", StringComparison.OrdinalIgnoreCase);

    private static string QrImage(string codeUrl)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(codeUrl, QRCodeGenerator.ECCLevel.M);
        return "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(8));
    }

    private static ProblemHttpResult Unauthorized() =>
        TypedResults.Problem("Not signed in: open /pay in WeChat to sign in.", statusCode: StatusCodes.Status401Unauthorized);

    /// <summary>The body of <c>POST /api/orders</c>; anything else in it (an amount, say) is ignored.</summary>
    internal sealed record OrderRequest(string? ProductId);

    internal sealed record ProductView(string Id, string Name, int PriceFen, int Credits, int ValidityDays)
    {
        public static ProductView From(ProductOptions p) => new(p.Id, p.Name, p.PriceFen, p.Credits, p.ValidityDays);
    }

    internal sealed record PayerOrderView(string OutTradeNo, string ProductId, string ProductName, int AmountFen, int Credits, string State, DateTimeOffset CreatedAt, DateTimeOffset? PaidAt);

    internal sealed record MeView(string OpenId, int FreeDaily, int FreeLeftToday, long Credits, DateTimeOffset? CreditsExpireAt, string CsrfToken, List<PayerOrderView> Orders);

    internal sealed record JsapiOrderView(string OutTradeNo, string AppId, string TimeStamp, string NonceStr, string Package, string SignType, string PaySign);

    internal sealed record NativeOrderView(string OutTradeNo, string CodeUrl, string QrImage);
}
