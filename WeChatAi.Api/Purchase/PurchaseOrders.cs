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
/// it pending, for the reconciliation query to settle.
/// </summary>
public sealed partial class PurchaseOrders(
    WeChatPayClient pay, IOptions<BillingOptions> billing, IOptions<WeChatOptions> weChat, TimeProvider time, ILogger<PurchaseOrders> logger)
{
    public async Task<OrderCreated> CreateAsync(WeChatDbContext db, string openId, ProductOptions product, PaymentChannel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(product);
        var appId = weChat.Value.AppId!;
        var now = time.GetUtcNow();
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
        };
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            db.Orders.Add(order);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var expires = now.AddMinutes(billing.Value.OrderExpiryMinutes);
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
        return new OrderCreated(
            order.OutTradeNo,
            order.PrepayId is { } prepayId ? pay.CreateJsapiPayParameters(appId, prepayId) : null,
            order.CodeUrl);
    }

    /// <summary>"WA", the UTC time to the second and 12 random characters: 28 of WeChat Pay's allowed 6–32, unique.</summary>
    internal static string NewOutTradeNo(DateTimeOffset now) =>
        "WA" + now.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 12);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat Pay refused the prepay of order {OutTradeNo} ({Code}); the order is closed")]
    private static partial void LogPrepayRefused(ILogger logger, Exception exception, string outTradeNo, string? code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The prepay of order {OutTradeNo} got no answer; the order stays pending for the reconciliation")]
    private static partial void LogPrepayUnknown(ILogger logger, Exception exception, string outTradeNo);
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
