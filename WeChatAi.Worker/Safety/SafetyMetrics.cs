using System.Diagnostics.Metrics;
using WeChatAi.Core.Data;

namespace WeChatAi.Worker.Safety;

/// <summary>Content safety's instrument on the shared "WeChatAi" meter.</summary>
internal sealed class SafetyMetrics(IMeterFactory meterFactory)
{
    private readonly Counter<long> _decisions = meterFactory.Create(WeChatAiTelemetry.MeterName)
        .CreateCounter<long>("wechatai.safety.decisions", "{decision}", "Content-safety decisions, by direction, source and outcome (blocked, or let through unverified)");

    public void Decided(SafetyDirection direction, SafetySource source, bool blocked) =>
        _decisions.Add(1,
            new KeyValuePair<string, object?>("direction", direction == SafetyDirection.Question ? "question" : "answer"),
            new KeyValuePair<string, object?>("source", source == SafetySource.WordList ? "word_list" : "moderation"),
            new KeyValuePair<string, object?>("outcome", blocked ? "blocked" : "unverified"));
}
