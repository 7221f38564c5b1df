using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Api.Purchase;

/// <summary>What <c>POST /api/orders</c> answers: JSAPI's <c>getBrandWCPayRequest</c> parameters, or Native's <c>code_url</c>.</summary>
public sealed record OrderCreated(string OutTradeNo, JsapiPayParameters? Jsapi, string? CodeUrl);

/// <summary>
/// Creates an order for a configured product (amount, credits and validity copied from the product list, in a
/// transaction) and asks WeChat Pay for its prepay. A refused prepay closes the order; a prepay with no answer leaves
/// it pending, for the reconciliation query to settle. A payer's open order for the same product and channel is
/// handed out again (no new row, no prepay call), and a payer holds at most <c>Billing:MaxPendingOrders</c> open ones.
/// </summary>
public sealed partial class PurchaseOrders(
    WeChatPayClient pay, IOptionsMonitor<BillingOptions> billing, IOptions<WeChatOptions> weChat, TimeProvider time, ILogger<PurchaseOrders> logger)
{
    /// <summary>An open order is handed out again only while the payer still has this long to pay it.</summary>
    internal static readonly TimeSpan ReuseMargin = TimeSpan.FromMinutes(2);

    public async Task<OrderCreated> CreateAsync(WeChatDbContext db, string openId, ProductOptions product, PaymentChannel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(product);
        var appId = weChat.Value.AppId!;
        var settings = billing.CurrentValue;
        var now = time.GetUtcNow();
        var expiry = TimeSpan.FromMinutes(settings.OrderExpiryMinutes);
        var openSince = now - expiry;
        var order = new Order
        {
            OutTradeNo = NewOutTradeNo(now),
            AppId = appId,
            OpenId = openId,
            ProductId = product.Id,
            ProductName = product.Name,
            AmountFen = product.PriceFen,
            Credits = product.Credits,
            ValidityDays = product.ValidityDays,
            State = OrderState.Pending,
            Channel = channel,
            CreatedAt = now,
            UpdatedAt = now,
            QueriedAt = now,
        };
        var reused = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // One payer's orders are decided one request at a time, so two quick clicks cannot pass the cap together.
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"order:" + appId + ":" + openId}, 0))", cancellationToken).ConfigureAwait(false);
            var open = await db.Orders.AsNoTracking()
                .Where(o => o.AppId == appId && o.OpenId == openId && o.State == OrderState.Pending && o.CreatedAt > openSince)
                .OrderByDescending(o => o.CreatedAt)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (open.Find(o => IsReusable(o, product, channel, now, expiry)) is { } existing)
            {
                return existing;
            }

            if (open.Count >= settings.MaxPendingOrders)
            {
                throw new TooManyPendingOrdersException(
                    $"You have {open.Count} unpaid orders already (at most {settings.MaxPendingOrders}); pay one of them or order again once one expires, {settings.OrderExpiryMinutes} minutes after it was made.");
            }

            db.Orders.Add(order);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return null;
        }).ConfigureAwait(false);
        if (reused is not null)
        {
            LogReused(logger, reused.OutTradeNo);
            return Created(appId, reused);
        }

        var expires = now.Add(expiry);
        try
        {
            if (channel == PaymentChannel.Jsapi)
            {
                order.PrepayId = await pay.JsapiPrepayAsync(
                    new JsapiPrepayRequest(appId, product.Name, order.OutTradeNo, order.AmountFen, openId, expires), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                order.CodeUrl = await pay.NativePrepayAsync(
                    new NativePrepayRequest(appId, product.Name, order.OutTradeNo, order.AmountFen, expires), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WeChatPayApiException ex)
        {
            order.State = OrderState.Closed;
            order.ClosedAt = order.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            LogPrepayRefused(logger, ex, order.OutTradeNo, ex.Code);
            throw new PrepayFailedException($"WeChat Pay refused the order ({ex.Code}): {ex.Detail}", ex);
        }
        catch (Exception ex) when (ex is WeChatPayTransportException or WeChatPaySignatureException or WeChatPayProtocolException)
        {
            LogPrepayUnknown(logger, ex, order.OutTradeNo);
            throw new PrepayFailedException("WeChat Pay did not answer; try again.", ex);
        }

        order.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        return Created(appId, order);
    }

    /// <summary>
    /// The same product at the same price, on the same channel, with its prepay, and time left to pay: the payer
    /// clicked again (or reloaded), so they get the order they already have.
    /// </summary>
    private static bool IsReusable(Order order, ProductOptions product, PaymentChannel channel, DateTimeOffset now, TimeSpan expiry) =>
        order.ProductId == product.Id && order.AmountFen == product.PriceFen && order.Credits == product.Credits && order.ValidityDays == product.ValidityDays
        && order.Channel == channel && !order.Mismatch
        && (channel == PaymentChannel.Jsapi ? order.PrepayId is not null : order.CodeUrl is not null)
        && order.CreatedAt + expiry - ReuseMargin > now;

    // JSAPI's parameters are signed afresh each time (new timestamp and nonce) over the same prepay_id.
    private OrderCreated Created(string appId, Order order) => new(
        order.OutTradeNo,
        order.PrepayId is { } prepayId ? pay.CreateJsapiPayParameters(appId, prepayId) : null,
        order.CodeUrl);

    /// <summary>"WA", the UTC time to the second and 12 random characters: 28 of WeChat Pay's allowed 6–32, unique.</summary>
    internal static string NewOutTradeNo(DateTimeOffset now) =>
        "WA" + now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 12);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat Pay refused the prepay of order {OutTradeNo} ({Code}); the order is closed")]
    private static partial void LogPrepayRefused(ILogger logger, Exception exception, string outTradeNo, string? code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The prepay of order {OutTradeNo} got no answer; the order stays pending for the reconciliation")]
    private static partial void LogPrepayUnknown(ILogger logger, Exception exception, string outTradeNo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OutTradeNo} handed out again: its payer asked for the same product while it is open")]
    private static partial void LogReused(ILogger logger, string outTradeNo);
}

/// <summary>The payer holds <c>Billing:MaxPendingOrders</c> open orders: the page shows <see cref="Exception.Message"/> (409).</summary>
public sealed class TooManyPendingOrdersException : Exception
{
    public TooManyPendingOrdersException()
    {
    }

    public TooManyPendingOrdersException(string message)
        : base(message)
    {
    }

    public TooManyPendingOrdersException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The order was created but WeChat Pay gave no prepay: the page shows <see cref="Exception.Message"/>.</summary>
public sealed class PrepayFailedException : Exception
{
    public PrepayFailedException()
    {
    }

    public PrepayFailedException(string message)
        : base(message)
    {
    }

    public PrepayFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
