using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Knowledge;

/// <summary>
/// <c>/api/admin/knowledge/missed</c>: the questions the knowledge base could not answer (the worker records them with
/// their exchange), grouped by similarity, and the operator's answer to a group, which becomes an FAQ source (queued,
/// indexed by the worker like any other) and marks the group's questions answered, in one audited transaction.
/// </summary>
internal static class MissedQuestionsApi
{
    /// <summary>The most recent waiting questions grouped at a time: enough for a few weeks of an account's misses, cheap to segment.</summary>
    public const int Window = 1000;

    public static async Task<Results<Ok<MissedQuestionPage>, ProblemHttpResult>> ListAsync(
        string? count, WeChatDbContext db, KnowledgeSegmenter segmenter, IOptions<WeChatOptions> wechat, CancellationToken ct)
    {
        if (AdminPaging.CheckCount(count, out var size) is { } problem)
        {
            return problem;
        }

        var (groups, questions) = await GroupsAsync(db, segmenter, KnowledgeApi.AppId(wechat), ct);
        return TypedResults.Ok(new MissedQuestionPage([.. groups.Take(size).Select(MissedGroupView.From)], groups.Count, questions));
    }

    public static async Task<Results<Accepted<MissedAnswerAccepted>, ProblemHttpResult>> AnswerAsync(
        long id, HttpContext http, WeChatDbContext db, KnowledgeSegmenter segmenter, AdminAudit audit, IOptions<WeChatOptions> wechat,
        TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await AdminRequests.ReadJsonAsync(http.Request, MissedJson.Default.MissedAnswerRequest, "a JSON object with answer (and question)", ct);
        if (body is null)
        {
            return problem!;
        }

        var appId = KnowledgeApi.AppId(wechat);
        var target = await db.KnowledgeMissedQuestions.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id && q.AppId == appId, ct);
        if (target is null)
        {
            return TypedResults.Problem($"No missed question {id}.", statusCode: StatusCodes.Status404NotFound);
        }

        if (target.AnsweredSourceId is { } answeredBy)
        {
            return TypedResults.Problem($"Missed question {id} was answered already (knowledge source {answeredBy}).", statusCode: StatusCodes.Status409Conflict);
        }

        var (groups, _) = await GroupsAsync(db, segmenter, appId, ct, including: target);
        var group = groups.First(g => g.Questions.Any(q => q.Id == id));
        var (input, invalid) = KnowledgeSourceInput.Faq(body.Question ?? group.Representative.Question, body.Answer);
        if (input is null)
        {
            return invalid!;
        }

        var now = time.GetUtcNow();
        var source = new KnowledgeSource { AppId = appId, Title = input.Title, Content = input.Content, ContentHash = input.Hash, CreatedAt = now };
        input.ApplyTo(source, now);
        long[] ids = [.. group.Questions.Select(q => q.Id)];
        var marked = await db.InTransactionAsync(async () =>
        {
            db.KnowledgeSources.Add(source);
            await db.SaveChangesAsync(ct);
            var count = await db.KnowledgeMissedQuestions
                .Where(q => ids.Contains(q.Id) && q.AnsweredSourceId == null)
                .ExecuteUpdateAsync(u => u.SetProperty(q => q.AnsweredSourceId, source.Id).SetProperty(q => q.AnsweredAt, now), ct);
            var detail = KnowledgeApi.Detail(source);
            detail["questions"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            audit.Add(db, http, "knowledge.missed.answer", KnowledgeApi.Target(source.Id), detail);
            await db.SaveChangesAsync(ct);
            return count;
        }, ct);
        return TypedResults.Accepted(
            $"/api/admin/knowledge/sources/{source.Id}", new MissedAnswerAccepted(source.Id, KnowledgeSourceView.Name(source.State), marked));
    }

    /// <summary>The waiting questions of the <see cref="Window"/> (and <paramref name="including"/>, if older), grouped.</summary>
    private static async Task<(IReadOnlyList<QuestionGroup> Groups, int Questions)> GroupsAsync(
        WeChatDbContext db, KnowledgeSegmenter segmenter, string appId, CancellationToken ct, KnowledgeMissedQuestion? including = null)
    {
        var waiting = await db.KnowledgeMissedQuestions.AsNoTracking()
            .Where(q => q.AppId == appId && q.AnsweredSourceId == null)
            .OrderByDescending(q => q.Id).Take(Window)
            .Select(q => new MissedQuestionItem(q.Id, q.Question, q.AskedAt))
            .ToListAsync(ct);
        if (including is not null && !waiting.Any(q => q.Id == including.Id))
        {
            waiting.Add(new MissedQuestionItem(including.Id, including.Question, including.AskedAt));
        }

        return (QuestionGroups.Group(waiting.Select(q => (q, segmenter.Question(q.Question)))), waiting.Count);
    }
}

/// <summary>The body of <c>POST /missed/{id}/answer</c>: the FAQ's answer, and its question (the group's newest question when absent).</summary>
internal sealed record MissedAnswerRequest(string? Answer, string? Question);

/// <summary>The FAQ source made (queued until the worker indexes it) and how many missed questions it answered.</summary>
internal sealed record MissedAnswerAccepted(long Id, string State, int Questions);

/// <param name="Id">The group's newest question: what <c>POST /missed/{id}/answer</c> takes (any question of the group does).</param>
/// <param name="Examples">Up to five of its distinct questions, newest first.</param>
internal sealed record MissedGroupView(
    long Id, string Question, int Count, DateTimeOffset LastSeen, DateTimeOffset FirstSeen, IReadOnlyList<string> Examples, IReadOnlyList<long> QuestionIds)
{
    public static MissedGroupView From(QuestionGroup group) => new(
        group.Representative.Id,
        group.Representative.Question,
        group.Questions.Count,
        group.LastSeen,
        group.Questions.Min(q => q.AskedAt),
        [.. group.Questions.Select(q => q.Question).Distinct(StringComparer.Ordinal).Take(5)],
        [.. group.Questions.Select(q => q.Id)]);
}

/// <param name="Groups">The largest groups first (then the most recent), at most <c>count</c>.</param>
/// <param name="TotalGroups">All the groups of the waiting questions looked at.</param>
/// <param name="Questions">The waiting questions looked at (the newest 1,000 at most).</param>
internal sealed record MissedQuestionPage(IReadOnlyList<MissedGroupView> Groups, int TotalGroups, int Questions);

[JsonSerializable(typeof(MissedAnswerRequest))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class MissedJson : JsonSerializerContext;
