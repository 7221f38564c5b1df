using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Api.Keywords;

/// <summary>
/// The keyword rules in memory, matched on every text message without a database or Redis call. Each replica holds
/// a snapshot and reloads it from PostgreSQL when the version in Redis (<see cref="VersionKey"/>, bumped by every
/// change) differs from the one it loaded; <see cref="KeywordRefresher"/> checks that every second.
/// </summary>
public sealed partial class KeywordReplies(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, IOptions<KeywordOptions> options, ILogger<KeywordReplies> logger) : IDisposable
{
    /// <summary>Counter: increased after every change of <c>keyword_replies</c>.</summary>
    public const string VersionKey = "wechatai:keywords:version";

    /// <summary>The enabled rules in the order they are tried, replaced whole by each load.</summary>
    private volatile IReadOnlyList<CompiledKeywordRule> _rules = [];
    private readonly VersionedReload _reloads = new(redis, VersionKey);

    /// <summary>The reply of the first enabled rule the message matches (highest priority first), or null.</summary>
    public string? Match(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var text = content.Trim();
        foreach (var rule in _rules)
        {
            try
            {
                if (rule.Matches(text))
                {
                    return rule.Reply;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                LogRegexTimeout(logger, rule.Id, options.Value.RegexTimeoutMilliseconds);
            }
        }

        return null;
    }

    /// <summary>Reloads the rules if another replica (or this one) changed them since the last load.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => _reloads.RefreshAsync(LoadAsync, cancellationToken);

    private async Task LoadAsync(long version, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var rows = await db.KeywordReplies.AsNoTracking()
            .Where(r => r.Enabled)
            .OrderByDescending(r => r.Priority).ThenBy(r => r.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var rules = Compile(rows);
        _rules = rules;
        LogLoaded(logger, rules.Count, version);
    }

    public void Dispose() => _reloads.Dispose();

    // Rules are checked on save; one that no longer compiles (say, after a runtime upgrade) is skipped, not fatal.
    private List<CompiledKeywordRule> Compile(List<KeywordReply> rows)
    {
        var compiled = new List<CompiledKeywordRule>(rows.Count);
        foreach (var row in rows)
        {
            try
            {
                compiled.Add(CompiledKeywordRule.From(row, options.Value.RegexTimeout));
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
            {
                LogSkipped(logger, row.Id, ex.Message);
            }
        }

        return compiled;
    }

    /// <summary>After a change is committed: every replica reloads (this one at once).</summary>
    public async Task ChangedAsync(CancellationToken cancellationToken)
    {
        await VersionedReload.BumpAsync(redis, VersionKey).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Information, "Loaded {Count} keyword rules (version {Version}).")]
    private static partial void LogLoaded(ILogger logger, int count, long version);

    [LoggerMessage(2, LogLevel.Warning, "Keyword rule {RuleId} ran out of its {TimeoutMs} ms on a message; counted as no match.")]
    private static partial void LogRegexTimeout(ILogger logger, long ruleId, int timeoutMs);

    [LoggerMessage(3, LogLevel.Error, "Keyword rule {RuleId} is skipped: its pattern does not compile ({Problem}).")]
    private static partial void LogSkipped(ILogger logger, long ruleId, string problem);
}
