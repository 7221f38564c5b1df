using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Billing.Payments;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Api.Billing.Orders;

/// <summary>
/// <c>POST /api/admin/orders/{outTradeNo}/refund</c>: refunds a paid order in full under a stable <c>out_refund_no</c>
/// (<c>R{outTradeNo}</c>), so calling it again retries the same refund; the credits go when WeChat Pay says SUCCESS
/// (<see cref="PaymentSettlement"/> settles it, here or with the notification).
/// </summary>
internal static class RefundApi
{
    public sealed record RefundBody(string? Reason);

    /// <summary>A refund that had succeeded already.</summary>
    public sealed record RefundDone(string OutRefundNo, string State);

    /// <summary>A refund WeChat Pay took: its state there, and what settling it here came to.</summary>
    public sealed record RefundRequested(string OutRefundNo, string? State, string Outcome);

    public static string OutRefundNo(string outTradeNo) => "R" + outTradeNo;

    public static async Task<Results<Ok<RefundDone>, Accepted<RefundRequested>, ProblemHttpResult>> RefundAsync(
        string outTradeNo, RefundBody? body, HttpContext http, AdminAudit audit, IOptions<WeChatPayOptions> options, WeChatDbContext db, WeChatPayClient client, PaymentSettlement settlement, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!options.Value.IsConfigured)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "WeChat Pay is not configured (WeChatPay:* settings).");
        }

        var reason = body?.Reason?.Trim();
        if (reason is { Length: > 80 })
        {
            return Problem(StatusCodes.Status400BadRequest, "reason must be at most 80 characters (WeChat Pay's limit).");
        }

        var outRefundNo = OutRefundNo(outTradeNo);
        var (problem, refund, total) = await db.InTransactionAsync<(ProblemHttpResult?, Refund?, int)>(async () =>
        {
            var order = await PaymentSettlement.LockOrderAsync(db, outTradeNo, cancellationToken);
            if (order is null)
            {
                return (Problem(StatusCodes.Status404NotFound, $"No order {outTradeNo}."), null, 0);
            }

            if (order.Mismatch)
            {
                return (Problem(StatusCodes.Status409Conflict, $"Order {outTradeNo} is flagged ({order.MismatchReason}); refund it in the merchant platform."), null, 0);
            }

            if (order.State is not (OrderState.Paid or OrderState.Refunding or OrderState.Refunded))
            {
                return (Problem(StatusCodes.Status409Conflict, $"Order {outTradeNo} is {order.State}, not paid."), null, 0);
            }

            var now = time.GetUtcNow();
            var existing = await db.Refunds.SingleOrDefaultAsync(r => r.OutRefundNo == outRefundNo, cancellationToken);
            if (existing is null)
            {
                existing = new Refund
                {
                    OutRefundNo = outRefundNo,
                    OrderId = order.Id,
                    OutTradeNo = order.OutTradeNo,
                    AmountFen = order.AmountFen,
                    Reason = reason,
                    State = RefundState.Requested,
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                db.Refunds.Add(existing);
            }

            if (order.State == OrderState.Paid)
            {
                order.State = OrderState.Refunding;
                order.UpdatedAt = now;
            }

            audit.Add(db, http, "order.refund", $"order:{outTradeNo}", new Dictionary<string, string?>
            {
                ["outRefundNo"] = outRefundNo,
                ["amountFen"] = existing.AmountFen.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["reason"] = existing.Reason,
                ["state"] = existing.State.ToString(),
            });

            await db.SaveChangesAsync(cancellationToken);
            return (null, existing, order.AmountFen);
        }, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (refund!.State == RefundState.Success)
        {
            return TypedResults.Ok(new RefundDone(outRefundNo, refund.State.ToString()));
        }

        WeChatPayRefund answer;
        try
        {
            answer = await client.RefundAsync(new WeChatPayRefundRequest(outTradeNo, outRefundNo, refund.AmountFen, total, refund.Reason), cancellationToken);
        }
        catch (WeChatPayApiException ex)
        {
            return Problem(StatusCodes.Status502BadGateway, $"WeChat Pay refused the refund: {ex.Code} {ex.Detail}. Retrying uses the same out_refund_no.");
        }
        catch (Exception ex) when (ex is WeChatPayTransportException or WeChatPaySignatureException)
        {
            return Problem(StatusCodes.Status504GatewayTimeout, $"WeChat Pay's answer is unknown ({ex.Message}); retry, it reuses out_refund_no {outRefundNo}.");
        }

        var settled = await settlement.QueriedRefundAsync(db, answer, cancellationToken);
        return TypedResults.Accepted((string?)null, new RefundRequested(outRefundNo, answer.State, settled.Outcome));
    }

    private static ProblemHttpResult Problem(int status, string detail) => TypedResults.Problem(detail, statusCode: status);
}
