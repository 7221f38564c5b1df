using System.Text.Json;
using System.Text.Json.Serialization;

namespace WeChatAi.Core.Data.Knowledge;

/// <summary>
/// What the knowledge base gave an answer (<c>chat_exchanges."Knowledge"</c>, jsonb; null when it was not consulted):
/// the passages sent to the LLM, and whether the question was a miss (none passed the bar, or the answer said the
/// passages do not cover it). An answer cites its passages' sources unless it was a miss.
/// </summary>
public sealed record ExchangeKnowledge(IReadOnlyList<ExchangePassage> Passages, bool Missed)
{
    public bool Cites => !Missed && Passages.Count > 0;

    public string ToJson() => JsonSerializer.Serialize(this, ExchangeKnowledgeJson.Default.ExchangeKnowledge);

    public static ExchangeKnowledge? FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, ExchangeKnowledgeJson.Default.ExchangeKnowledge);
}

/// <summary>A passage an answer was given: its chunk and source (title and link for the citation), BM25 score and match (0–1).</summary>
public sealed record ExchangePassage(long ChunkId, long SourceId, string Title, string? Url, double Score, double Match);

[JsonSerializable(typeof(ExchangeKnowledge))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class ExchangeKnowledgeJson : JsonSerializerContext;
