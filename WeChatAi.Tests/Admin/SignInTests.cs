using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Operators;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Admin;

/// <summary>The console's sign-in on the real API process: the hash command, the users, the lock-out in Redis, the audit.</summary>
public sealed class SignInTests(PostgresServer postgres)
{
    private const string AlicePassword = "correct horse battery";
    private const string AdminPassword = "admin-password-123";

    [Fact]
    public async Task The_right_password_signs_in_a_wrong_one_or_an_unknown_name_gets_the_same_401_and_five_failures_slow_the_name_and_block_the_address()
    {
        var hash = await HashPasswordAsync(AlicePassword);
        Assert.True(AdminPasswords.IsHash(hash), hash);
        Assert.DoesNotContain(AlicePassword, hash, StringComparison.Ordinal);

        await using var redis = await RedisServer.StartAsync();
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", Environment(redis.ConnectionString, await postgres.CreateMigratedDatabaseAsync(), hash));

        var alice = await SignInAsync(api, "alice", AlicePassword, "203.0.113.1");
        Assert.Equal((HttpStatusCode.OK, "alice"), (alice.Status, alice.Body.GetProperty("name").GetString()));
        var admin = await SignInAsync(api, "Admin", AdminPassword, "203.0.113.1");
        Assert.Equal((HttpStatusCode.OK, "admin"), (admin.Status, admin.Body.GetProperty("name").GetString()));

        var wrong = await SignInAsync(api, "alice", "not the password", "203.0.113.2");
        var unknown = await SignInAsync(api, "mallory", AlicePassword, "203.0.113.2");
        Assert.Equal((HttpStatusCode.Unauthorized, SignInApi.WrongNameOrPassword), (wrong.Status, Detail(wrong.Body)));
        Assert.Equal((HttpStatusCode.Unauthorized, SignInApi.WrongNameOrPassword), (unknown.Status, Detail(unknown.Body)));

        var (noKey, _) = await AdminApi.SendAsync(api.Client, HttpMethod.Post, "/api/admin/sign-in", new Dictionary<string, string>(), Body("alice", AlicePassword));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey);

        // Five failures for a name (the wrong password above, then from other addresses) slow it: the next attempt waits
        // (429 with Retry-After), never a lock, and then the right password signs in.
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(api, "alice", $"guess {i}", $"198.51.100.{i}")).Status);
        }

        var slowed = await SignInAsync(api, "alice", AlicePassword, "198.51.100.6");
        Assert.Equal(HttpStatusCode.TooManyRequests, slowed.Status);
        var until = DateTimeOffset.Parse(slowed.Body.GetProperty("retryAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(until, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(3));

        // Five failures from one address block it for every name, the right password too; another address still signs in.
        for (var i = 1; i <= 5; i++)
        {
            await SignInAsync(api, $"user{i}", "whatever", "192.0.2.9");
        }

        var blocked = await SignInAsync(api, "admin", AdminPassword, "192.0.2.9");
        Assert.Equal(HttpStatusCode.Locked, blocked.Status);
        var blockedUntil = DateTimeOffset.Parse(blocked.Body.GetProperty("lockedUntil").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(blockedUntil, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(4));
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(api, "admin", AdminPassword, "192.0.2.10")).Status);

        // The name's wait and the address's block end (Admin:SignInLockSeconds is 3 here).
        await Task.Delay(Until(until), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(api, "alice", AlicePassword, "198.51.100.7")).Status);
        await Task.Delay(Until(blockedUntil), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(api, "admin", AdminPassword, "192.0.2.9")).Status);

        // Every attempt is audited: the name tried as the actor, the address as the detail, never a password.
        var (status, audit) = await AdminApi.SendAsync(api.Client, HttpMethod.Get, "/api/admin/audit?count=200", new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key });
        Assert.Equal(HttpStatusCode.OK, status);
        var rows = audit.GetProperty("items").EnumerateArray()
            .Select(r => (Actor: r.GetProperty("actor").GetString(), Action: r.GetProperty("action").GetString(), Detail: r.GetProperty("detail").GetString()))
            .ToList();
        Assert.Equal(5, rows.Count(r => r.Action == "signin.succeeded"));
        Assert.Equal(2 + 4 + 4, rows.Count(r => r.Action == "signin.failed"));
        Assert.Equal(2, rows.Count(r => r.Action == "signin.locked"));
        Assert.Equal(1, rows.Count(r => r.Action == "signin.slowed"));
        Assert.Contains(rows, r => r is { Actor: "mallory", Action: "signin.failed" } && r.Detail!.Contains("203.0.113.2", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Detail!.Contains("password", StringComparison.OrdinalIgnoreCase) || r.Detail.Contains("guess", StringComparison.Ordinal));
        Assert.DoesNotContain(AdminPassword, api.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(AlicePassword, api.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operators_stamp_is_the_same_on_every_replica_and_changes_only_with_their_password()
    {
        var hash = await HashPasswordAsync(AlicePassword);
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateMigratedDatabaseAsync();
        var rotated = Environment(redis.ConnectionString, database, hash);
        rotated["Admin__Password"] = AdminPassword + "-rotated";
        await using var first = await ServiceProcess.StartAsync("WeChatAi.Api", Environment(redis.ConnectionString, database, hash));
        await using var second = await ServiceProcess.StartAsync("WeChatAi.Api", Environment(redis.ConnectionString, database, hash));
        await using var third = await ServiceProcess.StartAsync("WeChatAi.Api", rotated);

        var signedIn = await SignInAsync(first, "ALICE", AlicePassword, "203.0.113.5");
        var stamp = signedIn.Body.GetProperty("stamp").GetString();
        Assert.Matches("^[0-9a-f]{32}$", stamp);
        Assert.Equal(("alice", stamp), await OperatorAsync(second, "alice"));
        Assert.Equal(("alice", stamp), await OperatorAsync(third, "Alice"));
        var admin = await OperatorAsync(first, "admin");
        Assert.Equal(admin, await OperatorAsync(second, "admin"));
        Assert.NotEqual(admin.Stamp, (await OperatorAsync(third, "admin")).Stamp);
        Assert.DoesNotContain(AdminPassword, admin.Stamp, StringComparison.Ordinal);

        var (unknown, problem) = await AdminApi.SendAsync(first.Client, HttpMethod.Get, "/api/admin/sign-in/mallory", new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key });
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("mallory", Detail(problem), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.SendAsync(first.Client, HttpMethod.Get, "/api/admin/sign-in/alice", new Dictionary<string, string>())).Status);
    }

    [Fact]
    public async Task A_bad_hash_or_a_short_password_stops_the_api_naming_the_setting_and_the_command_refuses_a_short_password()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync();

        var badHash = await ServiceProcess.RunToCompletionAsync("WeChatAi.Api", Environment(redis.ConnectionString, database, "plain-text-not-a-hash"));
        Assert.NotEqual(0, badHash.ExitCode);
        Assert.Contains("Admin:Users:0:PasswordHash", badHash.Output, StringComparison.Ordinal);

        var shortPassword = Environment(redis.ConnectionString, database, await HashPasswordAsync(AlicePassword));
        shortPassword["Admin__Password"] = "short";
        var refused = await ServiceProcess.RunToCompletionAsync("WeChatAi.Api", shortPassword);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Admin:Password must be at least 12 characters", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("short\"", refused.Output, StringComparison.Ordinal);

        var (exitCode, output) = await RunHashCommandAsync("too short");
        Assert.Equal(1, exitCode);
        Assert.Contains("at least 12 characters", output, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Environment(string redis, string database, string aliceHash) => new()
    {
        ["ConnectionStrings__redis"] = redis,
        ["ConnectionStrings__wechatdb"] = database,
        ["Admin__ApiKey"] = AdminApi.Key,
        ["Admin__Users__0__Name"] = "alice",
        ["Admin__Users__0__PasswordHash"] = aliceHash,
        ["Admin__Password"] = AdminPassword,
        ["Admin__SignInLockSeconds"] = "3",
    };

    private static Task<(HttpStatusCode Status, JsonElement Body)> SignInAsync(ServiceProcess api, string name, string password, string address) =>
        AdminApi.SendAsync(api.Client, HttpMethod.Post, "/api/admin/sign-in",
            new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key, ["X-Forwarded-For"] = address }, Body(name, password));

    private static async Task<(string? Name, string? Stamp)> OperatorAsync(ServiceProcess api, string name)
    {
        var (status, body) = await AdminApi.SendAsync(api.Client, HttpMethod.Get, $"/api/admin/sign-in/{name}", new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key });
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return (body.GetProperty("name").GetString(), body.GetProperty("stamp").GetString());
    }

    private static string Body(string name, string password) =>
        JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = name, ["password"] = password });

    /// <summary>How long until just after <paramref name="end"/>; zero once it has passed (a slow machine gets there first).</summary>
    private static TimeSpan Until(DateTimeOffset end) =>
        TimeSpan.FromTicks(Math.Max(0, (end - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300)).Ticks));

    private static string Detail(JsonElement body) => body.GetProperty("detail").GetString()!;

    private static async Task<string> HashPasswordAsync(string password)
    {
        var (exitCode, output) = await RunHashCommandAsync(password);
        Assert.True(exitCode == 0, output);
        return output.Trim();
    }

    /// <summary><c>dotnet WeChatAi.Api.dll hash-password</c> with the password on standard input; the host never starts.</summary>
    private static async Task<(int ExitCode, string Output)> RunHashCommandAsync(string password)
    {
        var start = new ProcessStartInfo("dotnet", [Repository.AssemblyPath("WeChatAi.Api"), AdminPasswordCommand.Name])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync(password);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
