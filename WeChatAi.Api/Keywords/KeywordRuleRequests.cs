using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;
using WeChatAi.Core.Replies;

namespace WeChatAi.Api.Keywords;

/// <summary>The body of POST and PUT; PUT replaces every field (priority 0 and enabled true when left out).</summary>
internal sealed record KeywordRuleRequest(string? MatchType, string? Pattern, string? Reply, int? Priority, bool? Enabled);

/// <summary>A rule as POST and PUT give it, checked.</summary>
internal sealed record KeywordRuleInput(KeywordMatchType MatchType, string Pattern, string Reply, int Priority, bool Enabled)
{
    /// <summary>The rule the body of POST or PUT describes, or the 400 naming its first bad field.</summary>
    public static async Task<(KeywordRuleInput? Input, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, KeywordOptions options, CancellationToken ct)
    {
        var (body, problem) = await AdminRequests.ReadJsonAsync(request, KeywordJson.Default.KeywordRuleRequest, "a JSON object with matchType, pattern and reply", ct);
        if (body is null)
        {
            return (null, problem);
        }

        if (!Enum.TryParse<KeywordMatchType>(body.MatchType, ignoreCase: true, out var type) || !Enum.IsDefined(type) || int.TryParse(body.MatchType, out _))
        {
            return (null, AdminRequests.BadRequest("matchType must be \"exact\", \"prefix\" or \"regex\"."));
        }

        var pattern = type == KeywordMatchType.Regex ? body.Pattern : body.Pattern?.Trim();
        if (string.IsNullOrWhiteSpace(pattern) || pattern.Length > KeywordReplyLimits.MaxPatternLength)
        {
            return (null, AdminRequests.BadRequest($"pattern must be 1 to {KeywordReplyLimits.MaxPatternLength} characters (not only spaces)."));
        }

        if (type == KeywordMatchType.Regex && KeywordPatterns.RegexProblem(pattern, options.RegexTimeout) is { } regexProblem)
        {
            return (null, AdminRequests.BadRequest(regexProblem));
        }

        if (string.IsNullOrWhiteSpace(body.Reply) || Encoding.UTF8.GetByteCount(body.Reply) > ReplyKeys.MaxReplyBytes)
        {
            return (null, AdminRequests.BadRequest($"reply must be non-empty text of at most {ReplyKeys.MaxReplyBytes} bytes (UTF-8), what one passive reply holds."));
        }

        return (new KeywordRuleInput(type, pattern, body.Reply, body.Priority ?? 0, body.Enabled ?? true), null);
    }

    public void ApplyTo(KeywordReply rule, DateTimeOffset now)
    {
        rule.MatchType = MatchType;
        rule.Pattern = Pattern;
        rule.Reply = Reply;
        rule.Priority = Priority;
        rule.Enabled = Enabled;
        rule.UpdatedAt = now;
    }
}

internal sealed record KeywordRuleView(long Id, string MatchType, string Pattern, string Reply, int Priority, bool Enabled, DateTimeOffset UpdatedAt)
{
    public static KeywordRuleView From(KeywordReply rule) =>
        new(rule.Id, rule.MatchType.ToString().ToLowerInvariant(), rule.Pattern, rule.Reply, rule.Priority, rule.Enabled, rule.UpdatedAt);
}

[JsonSerializable(typeof(KeywordRuleRequest))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class KeywordJson : JsonSerializerContext;
