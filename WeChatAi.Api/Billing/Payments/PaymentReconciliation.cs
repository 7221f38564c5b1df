using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Api.Billing.Payments;

/// <summary>
/// WeChat Pay does not guarantee delivery: every <c>WeChatPay:ReconcileIntervalSeconds</c>, one API replica (a Redis
/// lock) queries orders pending longer than <c>WeChatPay:QueryAfterMinutes</c> and settles the paid ones, closes the
/// ones past <c>Billing:OrderExpiryMinutes</c>, and queries refunds still without a result. Each pass takes the
/// <see cref="BatchSize"/> pending orders queried longest ago and stamps them first, so n stuck orders are all
/// reached within ⌈n / 100⌉ passes, even when a query fails.
/// </summary>
internal sealed partial class PaymentReconciliation(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, IOptions<WeChatPayOptions> pay, IOptions<BillingOptions> billing,
    TimeProvider time, ILogger<PaymentReconciliation> logger) : BackgroundService
{
    public const string LockKey = "wechatai:pay:reconcile:lock";
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!pay.Value.IsConfigured)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(pay.Value.ReconcileIntervalSeconds);
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                // Held for one interval and not released: at most one run per interval across the replicas.
                if (await redis.GetDatabase().StringSetAsync(LockKey, Environment.MachineName, interval, When.NotExists))
                {
                    await RunOnceAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (ex is RedisException or DbException or DbUpdateException or TimeoutException or InvalidOperationException)
            {
                LogRunFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var client = scope.ServiceProvider.GetRequiredService<WeChatPayClient>();
        var settlement = scope.ServiceProvider.GetRequiredService<PaymentSettlement>();
        var now = time.GetUtcNow();
        var cutoff = now.AddMinutes(-pay.Value.QueryAfterMinutes);
        var expiry = TimeSpan.FromMinutes(billing.Value.OrderExpiryMinutes);

        var pending = await db.Orders.AsNoTracking()
            .Where(o => o.State == OrderState.Pending && !o.Mismatch && o.CreatedAt < cutoff)
            .OrderBy(o => o.QueriedAt).ThenBy(o => o.Id).Take(BatchSize)
            .Select(o => new { o.Id, o.OutTradeNo, o.CreatedAt })
            .ToListAsync(cancellationToken);
        var ids = pending.ConvertAll(o => o.Id);
        await db.Orders.Where(o => ids.Contains(o.Id)).ExecuteUpdateAsync(set => set.SetProperty(o => o.QueriedAt, now), cancellationToken);
        foreach (var order in pending)
        {
            var expired = order.CreatedAt + expiry < now;
            try
            {
                var transaction = await client.QueryByOutTradeNoAsync(order.OutTradeNo, cancellationToken);
                switch (transaction.TradeState)
                {
                    case WeChatPayTradeState.Success:
                        var result = await settlement.QueriedTransactionAsync(db, transaction, cancellationToken);
                        LogQueried(logger, order.OutTradeNo, result.Outcome);
                        break;
                    case WeChatPayTradeState.Closed or WeChatPayTradeState.Revoked or WeChatPayTradeState.PayError:
                        await CloseAsync(db, order.OutTradeNo, cancellationToken);
                        break;
                    case WeChatPayTradeState.NotPay when expired:
                        await client.CloseAsync(order.OutTradeNo, cancellationToken);
                        await CloseAsync(db, order.OutTradeNo, cancellationToken);
                        break;
                }
            }
            catch (WeChatPayApiException ex) when (ex is { Code: "ORDER_NOT_EXIST", Verified: true } && expired)
            {
                // The prepay never reached WeChat Pay: nothing to pay, nothing to close there.
                await CloseAsync(db, order.OutTradeNo, cancellationToken);
            }
            catch (Exception ex) when (ex is WeChatPayApiException or WeChatPayTransportException or WeChatPaySignatureException or WeChatPayProtocolException)
            {
                LogQueryFailed(logger, order.OutTradeNo, ex.Message);
            }
        }

        var refunds = await db.Refunds.AsNoTracking()
            .Where(r => (r.State == RefundState.Requested || r.State == RefundState.Processing) && r.UpdatedAt < cutoff)
            .OrderBy(r => r.CreatedAt).Take(BatchSize)
            .Select(r => r.OutRefundNo)
            .ToListAsync(cancellationToken);
        foreach (var outRefundNo in refunds)
        {
            try
            {
                await settlement.QueriedRefundAsync(db, await client.QueryRefundAsync(outRefundNo, cancellationToken), cancellationToken);
            }
            catch (Exception ex) when (ex is WeChatPayApiException or WeChatPayTransportException or WeChatPaySignatureException or WeChatPayProtocolException)
            {
                LogQueryFailed(logger, outRefundNo, ex.Message);
            }
        }
    }

    private async Task CloseAsync(WeChatDbContext db, string outTradeNo, CancellationToken cancellationToken)
    {
        var closed = await db.InTransactionAsync(async () =>
        {
            var order = await PaymentSettlement.LockOrderAsync(db, outTradeNo, cancellationToken);
            if (order?.State != OrderState.Pending)
            {
                return false;
            }

            order.State = OrderState.Closed;
            order.ClosedAt = order.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }, cancellationToken);
        if (closed)
        {
            LogClosed(logger, outTradeNo);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OutTradeNo} was paid without a notification reaching us; by query: {Outcome}")]
    private static partial void LogQueried(ILogger logger, string outTradeNo, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Order {OutTradeNo} closed unpaid")]
    private static partial void LogClosed(ILogger logger, string outTradeNo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation could not query {No}: {Reason}")]
    private static partial void LogQueryFailed(ILogger logger, string no, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment reconciliation run failed; the next interval tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
}
