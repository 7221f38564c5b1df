using WeChatAi.Api.Purchase;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class PurchaseApiEndpoints
{
    /// <summary>
    /// On the rate-limited <c>/api</c> group, public: <c>GET /products</c>, <c>GET /me</c> and <c>POST /orders</c>
    /// (<see cref="PurchaseApi"/>), the payer known by the signed cookie <c>/pay</c> sets.
    /// </summary>
    public static RouteGroupBuilder MapPurchaseApi(this RouteGroupBuilder api)
    {
        api.MapGet("/products", PurchaseApi.Products).WithName("ListProducts");
        api.MapGet("/me", PurchaseApi.MeAsync).WithName("GetPayer");
        api.MapPost("/orders", PurchaseApi.CreateOrderAsync).WithName("CreateOrder");
        return api;
    }
}
