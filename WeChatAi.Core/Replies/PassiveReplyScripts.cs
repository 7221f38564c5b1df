using System.Text.Json;
using StackExchange.Redis;

namespace WeChatAi.Core.Replies;

/// <summary>
/// Both halves of passive reply mode in Redis: the worker stores a job's answer and announces it, the API replica
/// holding WeChat's request takes the reply. Each step is one script, so replicas and retries never race.
/// </summary>
public static class PassiveReplyScripts
{
    // Between parts that share one passive reply.
    private const string Separator = "\n\n";

    // KEYS: answer, deferred marker, pending list. ARGV: the parts as JSON, job TTL (s), pending TTL (s), channel, job id.
    // Idempotent: a job processed again after a crash finds its answer stored and changes nothing. If WeChat already
    // stopped trying (deferred), the parts go to the pending list for the user's next message instead.
    private const string StoreAnswerScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return 'stored'
        end
        if redis.call('EXISTS', KEYS[2]) == 1 then
          redis.call('SET', KEYS[1], '[]', 'EX', ARGV[2])
          for _, part in ipairs(cjson.decode(ARGV[1])) do
            redis.call('RPUSH', KEYS[3], part)
          end
          redis.call('EXPIRE', KEYS[3], ARGV[3])
          return 'deferred'
        end
        redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
        redis.call('PUBLISH', ARGV[4], ARGV[5])
        return 'stored'
        """;

    // KEYS: reply, answer, pending list, deferred marker. ARGV: defer if missing (1/0), separator, max bytes, job TTL (s),
    // pending TTL (s). Builds the reply once per job: what was pending for the user first, then the answer, as much as
    // fits one passive reply; the rest goes back to the pending list. With ARGV[1] = 1 and no answer yet, marks the job
    // deferred so the worker sends its answer to the pending list instead.
    private const string TakeReplyScript = """
        local done = redis.call('GET', KEYS[1])
        if done then
          return done
        end
        local answer = redis.call('GET', KEYS[2])
        if not answer then
          if ARGV[1] == '1' then
            redis.call('SET', KEYS[4], '1', 'EX', ARGV[4])
          end
          return false
        end
        local parts = redis.call('LRANGE', KEYS[3], 0, -1)
        for _, part in ipairs(cjson.decode(answer)) do
          table.insert(parts, part)
        end
        if #parts == 0 then
          return false
        end
        local reply = parts[1]
        local used = 1
        for i = 2, #parts do
          local candidate = reply .. ARGV[2] .. parts[i]
          if string.len(candidate) > tonumber(ARGV[3]) then
            break
          end
          reply = candidate
          used = i
        end
        redis.call('DEL', KEYS[3])
        for i = used + 1, #parts do
          redis.call('RPUSH', KEYS[3], parts[i])
        end
        if #parts > used then
          redis.call('EXPIRE', KEYS[3], ARGV[5])
        end
        redis.call('SET', KEYS[1], reply, 'EX', ARGV[4])
        return reply
        """;

    /// <summary>Worker: stores the answer's parts for the API; false when WeChat gave up and they wait in the pending list.</summary>
    public static async Task<bool> StoreAnswerAsync(IDatabaseAsync db, string appId, string openId, string jobId, IReadOnlyList<string> parts, TimeSpan pendingTtl)
    {
        var result = (string?)await db.ScriptEvaluateAsync(
            StoreAnswerScript,
            [ReplyKeys.Answer(jobId), ReplyKeys.Deferred(jobId), ReplyKeys.Pending(appId, openId)],
            [JsonSerializer.Serialize(parts), (long)ReplyKeys.JobTtl.TotalSeconds, (long)pendingTtl.TotalSeconds, ReplyKeys.AnswerChannel, jobId])
            .ConfigureAwait(false);
        return result != "deferred";
    }

    /// <summary>
    /// API: the passive reply for the job, or null while its answer is not stored; <paramref name="deferIfMissing"/> on
    /// WeChat's last attempt sends a missing answer to the pending list.
    /// </summary>
    public static async Task<string?> TakeReplyAsync(IDatabaseAsync db, string appId, string openId, string jobId, bool deferIfMissing, TimeSpan pendingTtl)
    {
        var result = await db.ScriptEvaluateAsync(
            TakeReplyScript,
            [ReplyKeys.Reply(jobId), ReplyKeys.Answer(jobId), ReplyKeys.Pending(appId, openId), ReplyKeys.Deferred(jobId)],
            [deferIfMissing ? "1" : "0", Separator, ReplyKeys.MaxReplyBytes, (long)ReplyKeys.JobTtl.TotalSeconds, (long)pendingTtl.TotalSeconds])
            .ConfigureAwait(false);
        return result.IsNull ? null : (string?)result;
    }
}
