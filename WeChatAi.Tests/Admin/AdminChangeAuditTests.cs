using System.Net;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Worker;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Admin;

/// <summary>The admin changes that existed before the console (keywords, menu, dead letters) leave their audit rows with the operator.</summary>
public sealed class AdminChangeAuditTests(ConsoleApp app) : IClassFixture<ConsoleApp>
{
    [Fact]
    public async Task Keyword_menu_and_dead_letter_changes_are_audited_with_the_operator()
    {
        var created = await app.AdminAsync(HttpMethod.Post, "/api/admin/keywords", """{"matchType":"exact","pattern":"营业时间","reply":"每天 9 点到 18 点。"}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var id = created.Body.GetProperty("id").GetInt64();
        var duplicate = await app.AdminAsync(HttpMethod.Post, "/api/admin/keywords", """{"matchType":"exact","pattern":"营业时间","reply":"重复"}""");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        Assert.Equal(HttpStatusCode.OK, (await app.AdminAsync(HttpMethod.Put, $"/api/admin/keywords/{id}", """{"matchType":"exact","pattern":"营业时间","reply":"每天 8 点到 20 点。"}""")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/keywords/{id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/keywords/{id}")).Status);

        var keyword = await app.AuditAsync($"keyword:{id}");
        Assert.Equal([("keyword.create", ConsoleApp.Operator), ("keyword.update", ConsoleApp.Operator), ("keyword.delete", ConsoleApp.Operator)], keyword.Select(a => (a.Action, a.Actor)));
        var update = JsonDocument.Parse(keyword[1].Detail!).RootElement;
        Assert.Equal(("每天 9 点到 18 点。", "每天 8 点到 20 点。"), (update.GetProperty("fromReply").GetString(), update.GetProperty("reply").GetString()));

        const string menu = """{"button":[{"type":"click","name":"新对话","key":"new_conversation"},{"type":"click","name":"关于","key":"about"}]}""";
        Assert.Equal(HttpStatusCode.OK, (await app.AdminAsync(HttpMethod.Put, "/api/admin/menu", menu)).Status);
        var published = await app.AdminAsync(HttpMethod.Post, "/api/admin/menu/publish", replica: 1);
        Assert.True(published.Status == HttpStatusCode.OK, published.Body.ToString());
        var menuAudit = await app.AuditAsync("menu");
        Assert.Equal([("menu.save", ConsoleApp.Operator), ("menu.publish", ConsoleApp.Operator)], menuAudit.Select(a => (a.Action, a.Actor)));
        Assert.Equal("新对话 | 关于", JsonDocument.Parse(menuAudit[0].Detail!).RootElement.GetProperty("buttons").GetString());

        var db = app.Harness.Db;
        var job = new AiJob(WorkerHarness.AppId, "oDeadAudit", 1, "重试我", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, null);
        var shard = TestShards.Of(job.OpenId);
        var retriable = $"{shard.Index}-{await db.StreamAddAsync(QueueKeys.DeadLetterStream(shard), [.. job.ToStreamEntry(), new NameValueEntry(DeadLetterFields.Reason, "llm down")])}";
        var broken = $"0-{await db.StreamAddAsync(QueueKeys.DeadLetterStream(TestShards.Default[0]), [new(AiJob.StreamField, "not json"), new(DeadLetterFields.Reason, "malformed")])}";
        Assert.Equal(HttpStatusCode.OK, (await app.AdminAsync(HttpMethod.Post, $"/api/admin/dead-letters/{retriable}/retry")).Status);
        Assert.Equal(HttpStatusCode.OK, (await app.AdminAsync(HttpMethod.Post, "/api/admin/dead-letters/retry-all")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/dead-letters/{broken}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/dead-letters/{broken}")).Status);

        var retried = Assert.Single(await app.AuditAsync(retriable));
        Assert.Equal(("deadletter.retry", ConsoleApp.Operator, job.JobId), (retried.Action, retried.Actor, JsonDocument.Parse(retried.Detail!).RootElement.GetProperty("jobId").GetString()));
        var all = Assert.Single(await app.AuditAsync("dead-letters"));
        Assert.Equal(("deadletter.retry-all", "0", "1"), (all.Action, Field(all.Detail, "retried"), Field(all.Detail, "skipped")));
        var discarded = Assert.Single(await app.AuditAsync(broken));
        Assert.Equal(("deadletter.discard", "malformed"), (discarded.Action, Field(discarded.Detail, "reason")));

        // A script's call without the operator header is the key's.
        Assert.Equal(HttpStatusCode.OK, (await AdminApi.SendAsync(app.Apis[0].Client, HttpMethod.Put, "/api/admin/menu", new Dictionary<string, string> { ["X-Admin-Key"] = ConsoleApp.AdminKey }, menu)).Status);
        Assert.Equal("api-key", (await app.AuditAsync("menu"))[^1].Actor);
    }

    private static string? Field(string? detail, string name) => JsonDocument.Parse(detail!).RootElement.GetProperty(name).GetString();
}
