using System.Globalization;
using System.Net;
using System.Text.Json;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Attack: five wrong passwords for <c>admin</c> from five addresses locked the name, and its owner's right password
/// was refused (423) for 15 minutes, again and again. Now a name is slowed (one attempt at a time, a wait doubling up to
/// <c>Admin:SignInMaxDelaySeconds</c>) and an address is blocked; nobody but the guessing address is kept out.
/// </summary>
public class OperatorLockOutTests
{
    private const string Password = "the-operators-password";
    private readonly PostgresServer _postgres;
    private readonly IRedisSource _redis;

    public OperatorLockOutTests(PostgresServer postgres)
        : this(postgres, SingleRedis.Source)
    {
    }

    protected OperatorLockOutTests(PostgresServer postgres, IRedisSource redis)
    {
        _postgres = postgres;
        _redis = redis;
    }

    [Fact]
    public async Task Strangers_failing_for_a_name_slow_it_but_its_owner_still_signs_in_and_a_guessing_address_is_blocked()
    {
        await using var redis = await _redis.StartAsync();
        await using var api = await StartAsync(redis, maxDelaySeconds: 3);

        // The operator signed in from home before the attack.
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(api, "admin", Password, "192.0.2.50")).Status);

        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(api, "admin", $"guess {i}", $"198.51.100.{i}")).Status);
        }

        // Ten strangers at once: the name takes one attempt at a time, the others are told when to come back.
        await RefillApiBucketAsync();
        var burst = await Task.WhenAll(Enumerable.Range(10, 10).Select(i => SignInAsync(api, "admin", $"guess {i}", $"198.51.100.{i}")));
        Assert.True(burst.Count(r => r.Status == HttpStatusCode.Unauthorized) <= 1, string.Join(", ", burst.Select(r => r.Status)));
        Assert.True(burst.Count(r => r.Status == HttpStatusCode.TooManyRequests) >= 9, string.Join(", ", burst.Select(r => r.Status)));
        var slowed = burst.First(r => r.Status == HttpStatusCode.TooManyRequests);
        var retryAt = DateTimeOffset.Parse(slowed.Body.GetProperty("retryAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(retryAt, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(4));
        Assert.Contains("try again in", slowed.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The owner's known address is not slowed: the right password signs in at once, mid-attack.
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(api, "admin", Password, "192.0.2.50")).Status);

        // From a new address the owner waits at most the cap (3 s here), never 15 minutes.
        await RefillApiBucketAsync();
        for (var i = 1; i <= 5; i++)
        {
            await SignInAsync(api, "admin", $"again {i}", $"198.51.100.{100 + i}");
        }

        var traveling = await SignInWithinAsync(api, "admin", Password, "203.0.113.77", TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, traveling.Status);

        // One address guessing: five failures (any names) block it, even with the right password, for Admin:SignInLockSeconds.
        await RefillApiBucketAsync();
        for (var i = 1; i <= 5; i++)
        {
            await SignInAsync(api, $"name{i}", "whatever", "192.0.2.66");
        }

        var blocked = await SignInAsync(api, "admin", Password, "192.0.2.66");
        Assert.Equal(HttpStatusCode.Locked, blocked.Status);
        Assert.True(blocked.Body.TryGetProperty("lockedUntil", out _));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SignInWithinAsync(ServiceProcess api, string name, string password, string address, TimeSpan limit)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var attempt = await SignInAsync(api, name, password, address);
            if (attempt.Status != HttpStatusCode.TooManyRequests || DateTimeOffset.UtcNow > deadline)
            {
                return attempt;
            }

            var retryAt = DateTimeOffset.Parse(attempt.Body.GetProperty("retryAt").GetString()!, CultureInfo.InvariantCulture);
            await Task.Delay(Max(retryAt - DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(50)), TestContext.Current.CancellationToken);
        }
    }

    // The test's requests all come from one loopback peer, which the /api per-address limit (burst 20, 10/s) counts.
    private static Task RefillApiBucketAsync() => Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task<ServiceProcess> StartAsync(ITestRedis redis, int maxDelaySeconds) =>
        await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await _postgres.CreateMigratedDatabaseAsync(),
            ["Admin__ApiKey"] = AdminApi.Key,
            ["Admin__Password"] = Password,
            ["Admin__SignInMaxDelaySeconds"] = maxDelaySeconds.ToString(CultureInfo.InvariantCulture),
        });

    private static Task<(HttpStatusCode Status, JsonElement Body)> SignInAsync(ServiceProcess api, string name, string password, string address) =>
        AdminApi.SendAsync(api.Client, HttpMethod.Post, "/api/admin/sign-in",
            new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key, ["X-Forwarded-For"] = address },
            JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = name, ["password"] = password }));
}

/// <summary>The same sign-in counters on a Redis Cluster: the name's and the address's script keys on one slot.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class OperatorLockOutClusterTests(PostgresServer postgres, RedisClusterFixture cluster) : OperatorLockOutTests(postgres, cluster);
