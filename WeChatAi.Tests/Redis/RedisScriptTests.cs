using StackExchange.Redis;
using WeChatAi.Api.Admission;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Worker.Common;

namespace WeChatAi.Tests.Redis;

/// <summary>
/// The typed script wrapper against a real Redis: each named property reaches its KEYS or ARGV slot, lists after the
/// named ones arrive whole, and every shipped <c>.lua</c> file is Lua that Redis compiles.
/// </summary>
public class RedisScriptTests : RedisConnectionTests
{
    public RedisScriptTests()
        : this(SingleRedis.Source)
    {
    }

    protected RedisScriptTests(IRedisSource source)
        : base(source)
    {
    }

    [Fact]
    public async Task Keys_and_arguments_reach_the_script_by_name_and_a_value_list_follows_them()
    {
        var script = RedisScript.Load<EchoCall>(typeof(RedisScriptTests), "RedisScriptTests.Echo.lua", [new { Greeting = "它's" }]);

        var result = (RedisValue[])(await script.EvaluateAsync(Connection.GetDatabase(), new EchoCall("{t}k1", 42, "{t}k2", "label", ["x", "y"])))!;

        Assert.Equal(["{t}k1", "{t}k2", "42", "label", "它's", "2", "4", "x", "y"], result.Select(v => v.ToString()));
        Assert.Contains("local first = KEYS[1] ", script.Text, StringComparison.Ordinal);
        Assert.Contains("local count = ARGV[1] ", script.Text, StringComparison.Ordinal);
        Assert.Contains("local second = KEYS[2] ", script.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Items_bring_their_own_keys_and_arguments_after_the_named_ones()
    {
        var script = RedisScript.Load<BatchCall>(typeof(RedisScriptTests), "RedisScriptTests.Items.lua");
        var db = Connection.GetDatabase();

        var result = (RedisValue[])(await script.EvaluateAsync(db, new BatchCall("{t}s", 7, [new("{t}d1", "{t}b1", "j1", "o1"), new("{t}d2", "{t}b2", "j2", "o2")])))!;
        var empty = (RedisValue[])(await script.EvaluateAsync(db, new BatchCall("{t}s", 7, [])))!;

        Assert.Equal(["{t}d1|{t}b1|j1|o1", "{t}d2|{t}b2|j2|o2", "5", "5", "{t}s"], result.Select(v => v.ToString()));
        Assert.Equal(["1", "1", "{t}s"], empty.Select(v => v.ToString()));
    }

    [Fact]
    public async Task A_script_the_server_lost_is_sent_again()
    {
        // Called by its SHA1: a server that restarted or took over from its master answers NOSCRIPT to that.
        var script = RedisScript.Load<EchoCall>(typeof(RedisScriptTests), "RedisScriptTests.Echo.lua", [new { Greeting = "g" }]);
        var db = Connection.GetDatabase();
        var call = new EchoCall("{t}k1", 3, "{t}k2", "label", ["x"]);
        await script.EvaluateAsync(db, call);
        await using var admin = await ConnectionMultiplexer.ConnectAsync(Connection.Configuration + ",allowAdmin=true");
        foreach (var server in admin.GetServers().Where(s => !s.IsReplica))
        {
            await server.ScriptFlushAsync();
        }

        var result = (RedisValue[])(await script.EvaluateAsync(db, call))!;

        Assert.Equal(["{t}k1", "{t}k2", "3", "label", "g", "2", "3", "x"], result.Select(v => v.ToString()));
    }

    [Fact]
    public async Task A_script_error_names_the_files_line()
    {
        var script = RedisScript.Load<EchoCall>(typeof(RedisScriptTests), "RedisScriptTests.Broken.lua");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => script.EvaluateAsync(Connection.GetDatabase(), new EchoCall("{t}k1", 1, "{t}k2", "l", [])));

        Assert.Contains(":2:", error.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RedisScript.Load<EchoCall>(typeof(RedisScriptTests), "Nowhere.lua"));

        Assert.Contains("WeChatAi.Tests.Redis.Nowhere.lua", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_shipped_script_file_compiles()
    {
        var server = Connection.GetServer(Connection.GetEndPoints()[0]);
        var files = new[] { typeof(PassiveReplyScripts).Assembly, typeof(MessageAdmission).Assembly, typeof(JobState).Assembly }
            .SelectMany(a => a.GetManifestResourceNames().Where(n => n.EndsWith(".lua", StringComparison.Ordinal)).Select(n => (a, n)))
            .ToList();

        foreach (var (assembly, name) in files)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            var text = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
            await server.ScriptLoadAsync(text); // a syntax error throws, naming the line
        }

        Assert.True(files.Count >= 20, $"{files.Count} script files found");
    }

    // The keys of one call share the hash tag {t}: a cluster runs a script only on keys of one slot.
    private sealed record EchoCall(RedisKey First, long Count, RedisKey Second, string Label, IReadOnlyList<RedisValue> Rest);

    private sealed record BatchCall(RedisKey Stream, long Size, IReadOnlyList<BatchItem> Messages);

    private sealed record BatchItem(RedisKey Dedup, RedisKey Bucket, string Job, string OpenId);
}

/// <summary>The same scripts on a Redis Cluster: each call's keys on one slot, routed to its master.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisScriptClusterTests(RedisClusterFixture cluster) : RedisScriptTests(cluster);
