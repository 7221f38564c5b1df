using WeChatAi.Tests.Billing;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Issue 21, item 4: the reconciliation moves through every pending order, the ones queried longest ago first, so
/// stuck orders cannot hide the others (two API replicas, passes of 100 every second, a fake WeChat Pay that records
/// each query).
/// </summary>
public sealed class ReconciliationSweepTests(PaymentFixture fixture) : IClassFixture<PaymentFixture>
{
    [Fact]
    public async Task Three_hundred_stuck_orders_are_each_queried_before_any_is_queried_a_third_time()
    {
        // Unpaid and not yet expired: every pass finds them pending again, as when users leave the QR code unscanned.
        var orders = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            orders.Add((await fixture.OrderAsync($"o-sweep-{i % 30}", age: TimeSpan.FromMinutes(3))).OutTradeNo);
        }

        var deadline = DateTime.UtcNow.AddSeconds(90);
        Dictionary<string, int> queried;
        while (true)
        {
            queried = Queries(orders);
            if (queried.Count == orders.Count)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the reconciliation reached {queried.Count} of {orders.Count} pending orders in 90 s");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        // Oldest-queried first: none is asked a third time while another was never asked (two may overlap by a pass).
        Assert.InRange(queried.Values.Max(), 1, 2);
    }

    /// <summary>How many times WeChat Pay was asked about each of <paramref name="orders"/> that it was asked about.</summary>
    private Dictionary<string, int> Queries(List<string> orders)
    {
        var wanted = orders.ToHashSet(StringComparer.Ordinal);
        return fixture.Pay.Requests
            .Where(r => r.Method == "GET" && r.Target.StartsWith("/v3/pay/transactions/out-trade-no/", StringComparison.Ordinal))
            .Select(r => r.Target["/v3/pay/transactions/out-trade-no/".Length..].Split('?')[0])
            .Where(wanted.Contains)
            .GroupBy(no => no)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }
}
