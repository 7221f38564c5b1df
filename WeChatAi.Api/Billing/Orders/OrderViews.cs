using System.Text.Json;
using WeChatAi.Core.Data.Billing;

namespace WeChatAi.Api.Billing.Orders;

internal sealed record OrderView(
    string OutTradeNo,
    string OpenId,
    string ProductId,
    string ProductName,
    int AmountFen,
    int Credits,
    string State,
    string Channel,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PaidAt,
    DateTimeOffset? RefundedAt,
    bool Mismatch,
    string? MismatchReason)
{
    public static OrderView From(Order o) => new(
        o.OutTradeNo, o.OpenId, o.ProductId, o.ProductName, o.AmountFen, o.Credits, Camel(o.State.ToString()), Camel(o.Channel.ToString()),
        o.CreatedAt, o.PaidAt, o.RefundedAt, o.Mismatch, o.MismatchReason);

    private static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);
}

/// <param name="NextBefore">The last order's id: pass as <c>before</c> for the next page; null on the last page.</param>
internal sealed record OrderPage(IReadOnlyList<OrderView> Items, long? NextBefore);

/// <summary>One China day (Asia/Shanghai) of money: orders paid that day and refunds that succeeded that day.</summary>
internal sealed record RevenueDay(DateOnly Day, int PaidOrders, long RevenueFen, long RefundedFen);
