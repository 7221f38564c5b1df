using StackExchange.Redis;
using WeChatAi.Core.Queue;

namespace WeChatAi.Worker.Common;

/// <summary>
/// What an attempt's first call (<see cref="JobState.StartAsync"/>) does besides counting the attempt, as the features
/// decide it: each part left at its default is skipped.
/// </summary>
/// <param name="TurnEntry">The job's stream entry while its turn is still to check (<see cref="RedisValue.Null"/>: checked).</param>
/// <param name="Retry">A job retried from a dead letter, with what the dead letter kept.</param>
internal sealed record AttemptStart(RedisValue TurnEntry, DeadLetterRetry? Retry)
{
    /// <summary>Messages of WeChat's budget the user gets from this message.</summary>
    public int BudgetMessages { get; init; }

    /// <summary>How long that budget lasts (zero: its window already closed, nothing is reset).</summary>
    public TimeSpan BudgetWindowLeft { get; init; }

    /// <summary>How long WeChat shows the typing indicator (zero: this attempt shows none).</summary>
    public TimeSpan TypingShown { get; init; }

    /// <summary>The conversation memory's last entries to read (0: none).</summary>
    public int MemoryEntries { get; init; }

    /// <summary>Whether to look for the user in the open handoff sessions first (the job's first start; not for a notice).</summary>
    public bool ChecksHandoff { get; init; }
}

/// <param name="Attempt">The attempt's number.</param>
/// <param name="ShowsTyping">The typing markers are this attempt's: it sends WeChat's typing command.</param>
/// <param name="Memory">The memory's last entries (oldest first), read when the job had no answer yet.</param>
internal sealed record StartedAttempt(int Attempt, bool ShowsTyping, RedisValue[] Memory)
{
    /// <summary>The user is with a person (<see cref="AttemptStart.ChecksHandoff"/>): the job is held, not attempted.</summary>
    public static StartedAttempt HandedOff { get; } = new(0, false, []);
}

/// <summary>A question and its answer for the conversation memory, as the memory stores them, with its cap and expiry.</summary>
internal sealed record RememberedTurn(string Question, string Answer, int MaxEntries, TimeSpan Ttl);
