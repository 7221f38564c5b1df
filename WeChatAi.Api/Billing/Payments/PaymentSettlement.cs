using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Api.Billing.Payments;

/// <summary>What settling one report did; the ledger row (grant or reversal) goes to the Redis balance after the commit.</summary>
internal sealed record SettlementResult(string Outcome, Order? Order = null, CreditEntry? LedgerEntry = null, bool Granted = false);

/// <summary>
/// Moves money state from what WeChat Pay reported (a notification or a query), always in ONE PostgreSQL transaction
/// with the order row locked (<c>SELECT … FOR UPDATE</c>, order before refund): a paid order is checked against our
/// record (appid, mchid, amount, payer) and credited once; a successful refund takes the order's credits back once.
/// </summary>
internal sealed partial class PaymentSettlement(
    CreditLedger ledger, CreditCache cache, PaymentNotice notice, IOptions<WeChatPayOptions> pay, TimeProvider time, ILogger<PaymentSettlement> logger)
{
    public const string Settled = "settled";
    public const string Duplicate = "duplicate";
    public const string Mismatch = "mismatch";
    public const string UnknownOrder = "unknown-order";
    public const string NotPaid = "not-paid";
    public const string Ignored = "ignored";

    /// <summary>A verified notification: recorded once by its id (a redelivery is a duplicate), then settled, in one transaction.</summary>
    public async Task<SettlementResult> NotificationAsync(WeChatDbContext db, WeChatPayNotification notification, byte[] rawBody, string? serial, CancellationToken cancellationToken)
    {
        var result = await db.InTransactionAsync(async () =>
        {
            var now = time.GetUtcNow();
            var outTradeNo = notification.Transaction?.OutTradeNo ?? notification.Refund?.OutTradeNo;
            var outRefundNo = notification.Refund?.OutRefundNo;
            var rawText = System.Text.Encoding.UTF8.GetString(rawBody);

            // A concurrent copy waits here on the unique index until the first commits, then inserts nothing.
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO payment_notifications ("NotificationId", "EventType", "RawBody", "Serial", "OutTradeNo", "OutRefundNo", "ReceivedAt")
                VALUES ({notification.Id}, {notification.EventType}, {rawText}, {serial}, {outTradeNo}, {outRefundNo}, {now})
                ON CONFLICT ("NotificationId") DO NOTHING
                """, cancellationToken);
            if (inserted == 0)
            {
                return new SettlementResult(Duplicate);
            }

            var settled = notification switch
            {
                { EventType: WeChatPayEvents.TransactionSuccess, Transaction: { } transaction } => await TransactionAsync(db, transaction, cancellationToken),
                { Refund: { } refund } => await RefundAsync(db, refund, cancellationToken),
                _ => new SettlementResult(Ignored),
            };
            var row = await db.PaymentNotifications.SingleAsync(n => n.NotificationId == notification.Id, cancellationToken);
            row.ProcessedAt = time.GetUtcNow();
            row.Outcome = settled.Outcome;
            await db.SaveChangesAsync(cancellationToken);
            return settled;
        }, cancellationToken);
        await AfterCommitAsync(result);
        return result;
    }

    /// <summary>A transaction WeChat Pay reported when queried (the reconciliation job).</summary>
    public async Task<SettlementResult> QueriedTransactionAsync(WeChatDbContext db, WeChatPayTransaction transaction, CancellationToken cancellationToken)
    {
        var result = await db.InTransactionAsync(() => TransactionAsync(db, transaction, cancellationToken), cancellationToken);
        await AfterCommitAsync(result);
        return result;
    }

    /// <summary>A refund as the refund call or its query answered.</summary>
    public async Task<SettlementResult> QueriedRefundAsync(WeChatDbContext db, WeChatPayRefund refund, CancellationToken cancellationToken)
    {
        var result = await db.InTransactionAsync(() => RefundAsync(db, refund, cancellationToken), cancellationToken);
        await AfterCommitAsync(result);
        return result;
    }

    public static Task<Order?> LockOrderAsync(WeChatDbContext db, string outTradeNo, CancellationToken cancellationToken) =>
        db.Orders.FromSql($"""SELECT *, xmin FROM orders WHERE "OutTradeNo" = {outTradeNo} FOR UPDATE""").SingleOrDefaultAsync(cancellationToken);

    private async Task<SettlementResult> TransactionAsync(WeChatDbContext db, WeChatPayTransaction transaction, CancellationToken cancellationToken)
    {
        var order = transaction.OutTradeNo is null ? null : await LockOrderAsync(db, transaction.OutTradeNo, cancellationToken);
        if (order is null)
        {
            LogUnknownOrder(logger, transaction.OutTradeNo, transaction.TransactionId);
            return new SettlementResult(UnknownOrder);
        }

        if (transaction.TradeState != WeChatPayTradeState.Success)
        {
            return new SettlementResult(NotPaid, order);
        }

        if (order.State is OrderState.Paid or OrderState.Refunding or OrderState.Refunded)
        {
            return new SettlementResult(Duplicate, order);
        }

        var now = time.GetUtcNow();
        var reason = MismatchReason(order, transaction);
        if (reason is not null || order.Mismatch)
        {
            // Money arrived that does not match the order: never credited automatically, flagged for an operator.
            order.Mismatch = true;
            order.MismatchReason ??= reason;
            order.PaidAmountFen = (int?)transaction.Amount?.Total;
            order.TransactionId = transaction.TransactionId;
            order.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            LogMismatch(logger, order.OutTradeNo, order.MismatchReason);
            return new SettlementResult(Mismatch, order);
        }

        if (order.State == OrderState.Closed)
        {
            // Paid although we had closed it (the payer was faster than our close): the money is ours, so is the credit.
            LogPaidAfterClose(logger, order.OutTradeNo);
        }

        var grant = await ledger.GrantAsync(db, order.AppId, order.OpenId, order.Credits, order.ValidityDays, $"grant:{order.OutTradeNo}", order.Id, order.ProductName, cancellationToken);
        order.State = OrderState.Paid;
        order.PaidAt = transaction.SuccessTime?.ToUniversalTime() ?? now; // Npgsql writes timestamptz from UTC only
        order.TransactionId = transaction.TransactionId;
        order.PaidAmountFen = (int)transaction.Amount!.Total!.Value;
        order.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return new SettlementResult(Settled, order, grant.Entry, Granted: grant.Applied);
    }

    private string? MismatchReason(Order order, WeChatPayTransaction transaction) => transaction switch
    {
        _ when transaction.AppId != order.AppId => $"appid {transaction.AppId} is not the order's {order.AppId}",
        _ when transaction.MchId != pay.Value.MchId => $"mchid {transaction.MchId} is not ours",
        { Amount.Total: var total } when total != order.AmountFen => $"amount.total {total} fen is not the order's {order.AmountFen}",
        { Amount.Currency: var currency } when currency is not null and not "CNY" => $"currency {currency}",
        { Payer.OpenId: { } payer } when payer != order.OpenId => "paid by another OpenID",
        _ => null,
    };

    private async Task<SettlementResult> RefundAsync(WeChatDbContext db, WeChatPayRefund reported, CancellationToken cancellationToken)
    {
        var order = reported.OutTradeNo is null ? null : await LockOrderAsync(db, reported.OutTradeNo, cancellationToken);
        if (order is null || reported.OutRefundNo is null)
        {
            LogUnknownOrder(logger, reported.OutTradeNo, reported.RefundId);
            return new SettlementResult(UnknownOrder);
        }

        var now = time.GetUtcNow();
        var refund = await db.Refunds.FromSql($"""SELECT * FROM refunds WHERE "OutRefundNo" = {reported.OutRefundNo} FOR UPDATE""").SingleOrDefaultAsync(cancellationToken);
        if (refund is null)
        {
            // Refunded in the merchant platform rather than through our admin endpoint: recorded all the same.
            refund = new Refund
            {
                OutRefundNo = reported.OutRefundNo,
                OrderId = order.Id,
                OutTradeNo = order.OutTradeNo,
                AmountFen = (int)(reported.Amount?.Refund ?? order.AmountFen),
                State = RefundState.Requested,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Refunds.Add(refund);
        }
        else if (refund.OrderId != order.Id)
        {
            LogMismatch(logger, order.OutTradeNo, $"refund {refund.OutRefundNo} belongs to another order");
            return new SettlementResult(Mismatch, order);
        }

        if (refund.State == RefundState.Success)
        {
            return new SettlementResult(Duplicate, order);
        }

        refund.RefundId ??= reported.RefundId;
        refund.UpdatedAt = now;
        CreditEntry? reversal = null;
        switch (reported.State)
        {
            case WeChatPayRefundStatus.Success:
                refund.State = RefundState.Success;
                refund.SucceededAt = reported.SuccessTime?.ToUniversalTime() ?? now;
                var grant = await db.CreditLedger.AsNoTracking().SingleOrDefaultAsync(e => e.OrderId == order.Id && e.Kind == CreditEntryKind.Grant, cancellationToken);
                if (grant is not null)
                {
                    var reversed = await ledger.ReverseAsync(db, grant.Id, $"reverse:{refund.OutRefundNo}", $"refund {refund.OutRefundNo}", cancellationToken);
                    refund.CreditsReversed = -reversed.Entry.Credits;
                    reversal = reversed.Applied ? reversed.Entry : null;
                }

                order.State = OrderState.Refunded;
                order.RefundedAt = refund.SucceededAt;
                break;
            case WeChatPayRefundStatus.Closed:
                refund.State = RefundState.Closed;
                if (order.State == OrderState.Refunding)
                {
                    order.State = OrderState.Paid;
                }

                break;
            case WeChatPayRefundStatus.Abnormal:
                // The payer's card can no longer take it: an operator finishes it in the merchant platform.
                refund.State = RefundState.Abnormal;
                LogRefundAbnormal(logger, refund.OutRefundNo, order.OutTradeNo);
                break;
            default:
                refund.State = RefundState.Processing;
                break;
        }

        order.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return new SettlementResult("refund-" + refund.State.ToString().ToLowerInvariant(), order, reversal);
    }

    /// <summary>After the commit: the Redis balance follows the ledger, and the payer hears of the credit through the job queue.</summary>
    private async Task AfterCommitAsync(SettlementResult result)
    {
        if (result.LedgerEntry is null)
        {
            return;
        }

        try
        {
            await cache.ApplyAsync(result.LedgerEntry);
            if (result.Granted && result.Order is { } order)
            {
                await notice.PaidAsync(order);
            }
        }
        catch (StackExchange.Redis.RedisException ex)
        {
            // The credit is in PostgreSQL; the balance reloads from the ledger, only the notice is lost.
            LogAfterCommitFailed(logger, ex, result.Order?.OutTradeNo);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat Pay reported order {OutTradeNo} (WeChat Pay id {Id}) that we do not have: not credited.")]
    private static partial void LogUnknownOrder(ILogger logger, string? outTradeNo, string? id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Order {OutTradeNo} flagged, not credited: {Reason}.")]
    private static partial void LogMismatch(ILogger logger, string outTradeNo, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OutTradeNo} was paid after we closed it; credited.")]
    private static partial void LogPaidAfterClose(ILogger logger, string outTradeNo);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refund {OutRefundNo} of order {OutTradeNo} is ABNORMAL: finish it in the merchant platform.")]
    private static partial void LogRefundAbnormal(ILogger logger, string outRefundNo, string outTradeNo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OutTradeNo} settled, but Redis missed the balance or the notice.")]
    private static partial void LogAfterCommitFailed(ILogger logger, Exception exception, string? outTradeNo);
}
