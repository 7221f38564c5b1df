using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Knowledge;

/// <summary>
/// A text question (or a voice message's transcription) answered from the knowledge base (<see cref="KnowledgeAnswerOptions.Mode"/>): the passages that pass
/// the bar are sent to the LLM with it (<see cref="KnowledgePrompt"/>); none in <c>strict</c> mode is the fallback text
/// and no LLM call. The answer carries what it was given (<see cref="ExchangeKnowledge"/>): the passages it cites, or a
/// miss — none passed the bar, or the LLM began with <see cref="KnowledgePrompt.NotCovered"/> (stripped here).
/// </summary>
internal sealed class KnowledgeAnswers
{
    private readonly KnowledgeIndex _index;
    private readonly IOptions<KnowledgeAnswerOptions> _options;
    private readonly Histogram<double> _searchDuration;
    private readonly Counter<long> _answers;

    public KnowledgeAnswers(KnowledgeIndex index, IOptions<KnowledgeAnswerOptions> options, IMeterFactory meters)
    {
        _index = index;
        _options = options;
        var meter = meters.Create(WeChatAiTelemetry.MeterName);
        _searchDuration = meter.CreateHistogram<double>("wechatai.knowledge.search.duration", "s", "Retrieval for a question (segmenting and ranking), before the LLM call");
        _answers = meter.CreateCounter<long>("wechatai.knowledge.answers", "{answer}", "Questions the knowledge base was consulted for, by outcome (cited, missed, fallback)");
    }

    /// <param name="ask">The LLM call, with the question as it is to be sent.</param>
    public async Task<StoredAnswer> AnswerAsync(AiJob job, Func<string, Task<StoredAnswer>> ask, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var settings = _options.Value;
        // Not consulted: mode off, or (assist) an empty base, which would make every question a miss.
        var strict = settings.Mode == KnowledgeMode.Strict;
        if (settings.Mode == KnowledgeMode.Off || (!strict && _index.Passages == 0))
        {
            return await ask(job.Content);
        }

        var passages = await SearchAsync(job.Content, settings, cancellationToken);
        if (passages.Count == 0)
        {
            if (strict)
            {
                _answers.Add(1, new KeyValuePair<string, object?>("outcome", "fallback"));
                return new StoredAnswer(settings.StrictFallbackText, 0, 0) { Knowledge = new ExchangeKnowledge([], Missed: true) };
            }

            _answers.Add(1, new KeyValuePair<string, object?>("outcome", "missed"));
            return await ask(job.Content) with { Knowledge = new ExchangeKnowledge([], Missed: true) };
        }

        var answer = await ask(KnowledgePrompt.Build(passages.Select(p => p.Passage), job.Content));
        return Finish(answer, passages, settings);
    }

    /// <summary>
    /// The passages past the bar (<see cref="PassageBar"/>: keyword match, cosine or rerank relevance), best first: the
    /// best of a wider pool (fused with vectors and reranked when configured), since the top ones may all miss the bar.
    /// </summary>
    private async Task<List<RankedPassage>> SearchAsync(string question, KnowledgeAnswerOptions settings, CancellationToken cancellationToken)
    {
        if (_index.Passages == 0)
        {
            return [];
        }

        var started = Stopwatch.GetTimestamp();
        var found = settings.Sent(await _index.SearchAsync(question, settings.Pool, cancellationToken));
        _searchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        return found;
    }

    private StoredAnswer Finish(StoredAnswer answer, List<RankedPassage> passages, KnowledgeAnswerOptions settings)
    {
        ExchangePassage[] used = [.. passages.Select(KnowledgeCitation.Used)];
        if (!answer.Text.Contains(KnowledgePrompt.NotCovered, StringComparison.Ordinal))
        {
            _answers.Add(1, new KeyValuePair<string, object?>("outcome", "cited"));
            return answer with { Knowledge = new ExchangeKnowledge(used, Missed: false) };
        }

        // The passages did not cover it: no citation, a miss; strict mode never sends an answer from outside the base.
        _answers.Add(1, new KeyValuePair<string, object?>("outcome", "missed"));
        var rest = answer.Text.Replace(KnowledgePrompt.NotCovered, "", StringComparison.Ordinal).Trim();
        var text = settings.Mode == KnowledgeMode.Strict || rest.Length == 0 ? settings.StrictFallbackText : rest;
        return answer with { Text = text, Knowledge = new ExchangeKnowledge(used, Missed: true) };
    }
}
