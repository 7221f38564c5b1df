using WeChatAi.Api.Billing.Orders;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The operator's orders, on the admin group: <c>GET {admin}/orders?state&amp;openId&amp;from&amp;to&amp;count&amp;before</c>,
/// <c>GET {admin}/revenue?days=30</c> (<see cref="OrderApi"/>) and <c>POST {admin}/orders/{outTradeNo}/refund</c>
/// (<see cref="RefundApi"/>).
/// </summary>
public static class OrderEndpoints
{
    private const string Unavailable = "The order store (PostgreSQL) is unavailable.";

    public static RouteGroupBuilder MapOrderEndpoints(this RouteGroupBuilder admin)
    {
        var orders = admin.MapGroup("/orders");
        orders.MapGet("/", OrderApi.ListAsync).WithStoreOutage(Unavailable).WithName("ListOrders");
        orders.MapPost("/{outTradeNo}/refund", RefundApi.RefundAsync).WithName("RefundOrder");
        admin.MapGroup("/revenue").MapGet("/", OrderApi.RevenueAsync).WithStoreOutage(Unavailable).WithName("GetRevenue");
        return admin;
    }
}
