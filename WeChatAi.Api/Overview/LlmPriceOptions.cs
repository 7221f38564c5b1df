using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Api.Overview;

/// <summary>
/// What the API needs of the <c>Llm</c> section (the worker's <c>LlmOptions</c> holds the rest): the price the
/// overview's estimated cost is computed with.
/// </summary>
public sealed class LlmPriceOptions
{
    public const string Section = "Llm";

    /// <summary>Yuan per 1,000 tokens, prompt and completion alike; 0: unknown, the overview then shows no cost.</summary>
    [Range(typeof(decimal), "0", "1000000", ErrorMessage = "Llm:PricePer1kTokens must be a number of yuan between 0 and 1000000 (0: unknown).")]
    public decimal PricePer1kTokens { get; set; }
}
