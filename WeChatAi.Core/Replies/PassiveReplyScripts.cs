using System.Text;
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

    // A Lua function both reply scripts use: as many of the parts (from the first) as fit ARGV-given max bytes, joined by
    // the separator; when some are left over, the reply ends with the "继续" link (room for it is kept), unless even the
    // first part alone leaves no room. Returns the reply and how many parts it used.
    private const string PackFunction = """
        local function pack(parts, separator, maxBytes, suffix)
          local function fill(limit)
            local reply = parts[1]
            local used = 1
            for i = 2, #parts do
              local candidate = reply .. separator .. parts[i]
              if string.len(candidate) > limit then
                break
              end
              reply = candidate
              used = i
            end
            return reply, used
          end
          local reply, used = fill(maxBytes)
          if used == #parts then
            return reply, used
          end
          reply, used = fill(maxBytes - string.len(suffix))
          if string.len(reply) + string.len(suffix) <= maxBytes then
            reply = reply .. suffix
          end
          return reply, used
        end
        """;

    // KEYS: reply, answer, pending list, deferred marker. ARGV: defer if missing (1/0), separator, max bytes, job TTL (s),
    // pending TTL (s), the "继续" suffix. Builds the reply once per job: what was pending for the user first, then the
    // answer, as much as fits one passive reply (ending with the "继续" link when some is left); the rest goes back to
    // the pending list. With ARGV[1] = 1 and no answer yet, marks the job deferred so the worker sends its answer to the
    // pending list instead.
    private const string TakeReplyScript = PackFunction + "\n" + """
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
        local reply, used = pack(parts, ARGV[2], tonumber(ARGV[3]), ARGV[6])
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

    // KEYS: the pending list, this "继续" message's reply. ARGV: separator, max bytes, the "继续" suffix, reply TTL (s).
    // The user tapped "继续": the next pending parts that fit, with the link again if more are left. The reply is kept
    // per message, so WeChat's retry of the same tap gets the same parts instead of skipping some. Nil: nothing pending.
    private const string TakeNextScript = PackFunction + "\n" + """
        local done = redis.call('GET', KEYS[2])
        if done then
          return done
        end
        local parts = redis.call('LRANGE', KEYS[1], 0, -1)
        if #parts == 0 then
          return false
        end
        local reply, used = pack(parts, ARGV[1], tonumber(ARGV[2]), ARGV[3])
        redis.call('LTRIM', KEYS[1], used, -1)
        redis.call('SET', KEYS[2], reply, 'EX', ARGV[4])
        return reply
        """;

    /// <summary>
    /// Ends a passive reply that leaves parts pending: WeChat shows the link as tappable text, and a tap sends
    /// <see cref="ReplyKeys.ContinueText"/> as the user's message.
    /// </summary>
    public static readonly string ContinueSuffix =
        $"{Separator}<a href=\"weixin://bizmsgmenu?msgmenucontent={ReplyKeys.ContinueText}&msgmenuid=1\">{ReplyKeys.ContinueText}</a>";

    /// <summary>The largest answer part that still leaves room for <see cref="ContinueSuffix"/> in one passive reply.</summary>
    public static int PartBytes(int maxMessageBytes) =>
        Math.Min(maxMessageBytes, ReplyKeys.MaxReplyBytes - Encoding.UTF8.GetByteCount(ContinueSuffix));

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
            [deferIfMissing ? "1" : "0", Separator, ReplyKeys.MaxReplyBytes, (long)ReplyKeys.JobTtl.TotalSeconds, (long)pendingTtl.TotalSeconds, ContinueSuffix])
            .ConfigureAwait(false);
        return result.IsNull ? null : (string?)result;
    }

    /// <summary>
    /// API, for a <see cref="ReplyKeys.ContinueText"/> message: the next pending parts as its passive reply, or null when
    /// nothing is pending (the message is then an ordinary question).
    /// </summary>
    public static async Task<string?> TakeNextAsync(IDatabaseAsync db, string appId, string openId, long msgId)
    {
        var result = await db.ScriptEvaluateAsync(
            TakeNextScript,
            [ReplyKeys.Pending(appId, openId), ReplyKeys.ContinueReply(appId, openId, msgId)],
            [Separator, ReplyKeys.MaxReplyBytes, ContinueSuffix, (long)ReplyKeys.JobTtl.TotalSeconds])
            .ConfigureAwait(false);
        return result.IsNull ? null : (string?)result;
    }
}
