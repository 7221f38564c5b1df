using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Worker.Safety;

/// <summary>
/// Content safety of every question and every answer (section <c>Safety</c>). The texts a blocked question or answer
/// gets are Core's <see cref="WeChatAi.Core.Safety.SafetyTextOptions"/> (same section), editable in the console.
/// </summary>
public sealed class SafetyOptions
{
    public const string Section = "Safety";

    /// <summary>The list shipped with the worker (a few neutral test terms), used when no list is configured.</summary>
    public static readonly string DefaultWordList = Path.Combine("Safety", "default-words.txt");

    /// <summary>
    /// Word lists, one term per line (<c>#</c> starts a comment line), relative to the worker's folder unless
    /// absolute; reloaded when a file changes. Empty: the shipped default list. No default in the property itself:
    /// the configuration binder would add the configured paths to it instead of replacing it.
    /// </summary>
    public string[] WordListPaths { get; set; } = [];

    /// <summary>An OpenAI-compatible moderation endpoint (the full URL, e.g. <c>https://api.openai.com/v1/moderations</c>); empty: word lists only.</summary>
    [Url(ErrorMessage = "Safety:ModerationUrl must be an absolute http(s) URL.")]
    public string? ModerationUrl { get; set; }

    /// <summary>Sent as a bearer token when set (a secret: configuration only, never logged).</summary>
    public string? ModerationApiKey { get; set; }

    [Required(AllowEmptyStrings = false, ErrorMessage = "Safety:ModerationModel must not be empty.")]
    public string ModerationModel { get; set; } = "omni-moderation-latest";

    /// <summary>Hard deadline of one check, retries included; past it the check counts as failed.</summary>
    [Range(100, 30_000, ErrorMessage = "Safety:ModerationTimeoutMs must be between 100 and 30000.")]
    public int ModerationTimeoutMs { get; set; } = 3_000;

    /// <summary>When moderation fails or is late: false lets the text through (fail open), true blocks it (fail closed).</summary>
    public bool ModerationFailClosed { get; set; }

    public bool IsModerationConfigured => !string.IsNullOrWhiteSpace(ModerationUrl);
}
