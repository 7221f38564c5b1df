using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Worker.Common;

/// <summary>How the worker consumes the job stream (section <c>Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Jobs one process handles at once (async I/O: mostly waiting for the LLM).</summary>
    [Range(1, 100_000, ErrorMessage = "Worker:MaxConcurrency must be between 1 and 100000.")]
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>
    /// Jobs a starting process runs at once (at most <see cref="MaxConcurrency"/>). The limit grows by one with each
    /// job that completes while the limit held work back, up to <see cref="MaxConcurrency"/> (TCP-like slow start): a
    /// process started into a backlog doubles its in-flight jobs per LLM round trip instead of opening
    /// <see cref="MaxConcurrency"/> LLM connections at once.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "Worker:InitialConcurrency must be between 1 and 100000.")]
    public int InitialConcurrency { get; set; } = 100;

    /// <summary>A job pending this long with a silent consumer is taken over (XAUTOCLAIM).</summary>
    [Range(1, 3600, ErrorMessage = "Worker:ClaimIdleSeconds must be between 1 and 3600.")]
    public int ClaimIdleSeconds { get; set; } = 30;

    /// <summary>Attempts before a job goes to the dead-letter stream.</summary>
    [Range(1, 100, ErrorMessage = "Worker:MaxAttempts must be between 1 and 100.")]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// Attempts cut off by their worker dying (SIGKILL, OOM, a crash) before a job is given up on as one that kills
    /// workers. Counted apart from <see cref="MaxAttempts"/>: a job that merely ran while its workers were killed
    /// keeps all its attempts.
    /// </summary>
    [Range(1, 1_000, ErrorMessage = "Worker:MaxInterruptions must be between 1 and 1000.")]
    public int MaxInterruptions { get; set; } = 10;

    /// <summary>
    /// Days a dead letter is kept (each shard's <c>wechatai:{tag}:jobs:dead</c>, trimmed by entry time), and with it the job's state, so
    /// that an operator's retry still sends its answer and pending parts.
    /// </summary>
    [Range(1, 365, ErrorMessage = "Worker:DeadLetterRetentionDays must be between 1 and 365.")]
    public int DeadLetterRetentionDays { get; set; } = 7;

    /// <summary>First retry delay; doubles with each attempt, with jitter.</summary>
    [Range(1, 600_000, ErrorMessage = "Worker:RetryBaseDelayMs must be between 1 and 600000.")]
    public int RetryBaseDelayMs { get; set; } = 2_000;

    /// <summary>Longest retry delay.</summary>
    [Range(1, 3_600_000, ErrorMessage = "Worker:RetryMaxDelayMs must be between 1 and 3600000.")]
    public int RetryMaxDelayMs { get; set; } = 60_000;

    /// <summary>How long a stopping worker lets its jobs finish before leaving them to be reclaimed.</summary>
    [Range(0, 600, ErrorMessage = "Worker:ShutdownGraceSeconds must be between 0 and 600.")]
    public int ShutdownGraceSeconds { get; set; } = 20;

    /// <summary>Consumer name in the group; empty: host name, process id and a random suffix (unique per process).</summary>
    public string? ConsumerName { get; set; }

    /// <summary>Apology sent when a job is given up on.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Worker:ApologyText must not be empty.")]
    public string ApologyText { get; set; } = "抱歉，我暂时无法回答这个问题，请稍后再试。";

    /// <summary>Answer to <c>/reset</c> and <c>清除记忆</c>.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Worker:ResetConfirmationText must not be empty.")]
    public string ResetConfirmationText { get; set; } = "好的，我已清除我们之前的对话记忆。";
}
