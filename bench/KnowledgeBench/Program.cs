using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Knowledge.Vectors;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WeChatAi.Simulator.Embeddings;

// bench/knowledge.sh runs each mode; every figure is printed as "name: value" lines.
return args.FirstOrDefault() switch
{
    "quality" => await QualityAsync(args[1], args[2], args.Length > 4 ? (args[3], args[4]) : null),
    "scale" => Scale(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture), args[3]),
    "ingest-post" => await PostAsync(new Uri(args[1]), args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture), args[5]),
    "ingest-wait" => await WaitAsync(new Uri(args[1]), args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("KnowledgeBench quality <documents.json> <questions.json> [<paraphrased.json> <uncovered.json>] | scale <chunks> <queries> <documents.json> | ingest-post <api> <admin-key> <documents.json> <count> <ids-file> | ingest-wait <api> <admin-key> <ids-file> <count>");
    return 2;
}

// Recall@5 and MRR of keyword, vector and fused ranking over the evaluation set, ranked as KnowledgeIndex ranks
// (HybridRanking), chunked and segmented as the worker does, embedded by the simulator's model.
static async Task<int> QualityAsync(string documentsFile, string questionsFile, (string Paraphrased, string Uncovered)? barFiles)
{
    var documents = Load<List<Document>>(documentsFile);
    var questions = Load<List<Question>>(questionsFile);
    var paraphrased = barFiles is { } files ? Load<List<Question>>(files.Paraphrased) : [];
    var uncovered = barFiles is { } more ? Load<List<Question>>(more.Uncovered) : [];
    var segmenter = new KnowledgeSegmenter();
    var (bm25, passages, sources) = Build(documents, segmenter);
    var models = await ModelsAsync([.. passages.Select(p => p.Document), .. questions.Concat(paraphrased).Concat(uncovered).Select(q => q.Q)]);
    var vectors = VectorIndex.Build([.. passages.Select(p => models.Embed(p.Document))]);
    Console.WriteLine($"documents: {documents.Count}, chunks: {passages.Count}, questions: {questions.Count}; embedding {models.EmbeddingName}, rerank {models.RerankName}");
    Recall(questions, bm25, vectors, passages, sources, segmenter, models);
    if (barFiles is not null)
    {
        Console.WriteLine($"-- paraphrased questions (other words than the documents): {paraphrased.Count}");
        Recall(paraphrased, bm25, vectors, passages, sources, segmenter, models);
        Bar(questions, paraphrased, uncovered, bm25, vectors, passages, sources, segmenter, models);
    }

    return 0;
}

// The simulator's embedding and rerank models, or the operator's providers when Knowledge__EmbeddingEndpoint (and
// Knowledge__RerankEndpoint) are set in the environment, through the same code the services use (KnowledgeEmbedder,
// KnowledgeReranker): so the bars can be picked for a real model. Every text is embedded once, up front.
static async Task<Models> ModelsAsync(IReadOnlyList<string> texts)
{
    var builder = Host.CreateApplicationBuilder();
    builder.AddKnowledgeVectors();
    var services = builder.Build().Services;
    var embedder = services.GetRequiredService<KnowledgeEmbedder>();
    var reranker = services.GetRequiredService<KnowledgeReranker>();
    var options = services.GetRequiredService<IOptions<VectorOptions>>().Value;
    var distinct = texts.Distinct().ToList();
    var embedded = embedder.IsConfigured ? await embedder.EmbedAsync(distinct, CancellationToken.None) : [.. distinct.Select(t => FakeEmbedding.Embed(t))];
    var byText = distinct.Zip(embedded).ToDictionary(p => p.First, p => p.Second);
    Func<string, IReadOnlyList<string>, IEnumerable<(int Index, double Score)>> rerank = reranker.IsConfigured
        ? (query, documents) => reranker.RerankAsync(query, documents, CancellationToken.None).GetAwaiter().GetResult() ?? throw new InvalidOperationException("The reranker failed (its warning says why).")
        : (query, documents) => documents.Select((d, i) => (Index: i, Score: FakeRerank.Score(query, d))).OrderByDescending(o => o.Score).ThenBy(o => o.Index);
    return new Models(embedder.ModelKey ?? "simulator-embedding", reranker.IsConfigured ? options.RerankModel! : "simulator", t => byText[t], rerank);
}

// Recall@5 and MRR of each ranking over one question set; the fused ranking's misses listed.
static void Recall(List<Question> questions, Bm25Index bm25, VectorIndex vectors, List<KnowledgePassage> passages, Dictionary<long, string> sources, KnowledgeSegmenter segmenter, Models models)
{
    var lists = new Dictionary<string, List<int?>>() { ["keyword"] = [], ["vector"] = [], ["fused"] = [] };
    var misses = new List<string>();
    foreach (var question in questions)
    {
        var keyword = HybridRanking.Keyword(bm25, segmenter.Question(question.Q), KnowledgeIndex.FusionDepth);
        var vector = HybridRanking.Vector(vectors, passages, models.Embed(question.Q), KnowledgeIndex.FusionDepth);
        var fused = HybridRanking.Fuse(keyword, vector);
        foreach (var (name, list) in new[] { ("keyword", keyword), ("vector", vector), ("fused", fused) })
        {
            var rank = list.FindIndex(r => sources[r.Passage.SourceId] == question.Doc);
            lists[name].Add(rank < 0 ? null : rank + 1);
        }

        if (lists["fused"][^1] is null or > 5)
        {
            misses.Add($"  {question.Q} → {question.Doc}: fused top {string.Join(",", fused.Take(3).Select(r => sources[r.Passage.SourceId]))}");
        }
    }

    foreach (var (name, ranks) in lists)
    {
        var recall = ranks.Count(r => r <= 5) / (double)ranks.Count;
        var mrr = ranks.Sum(r => r is { } k ? 1.0 / k : 0) / ranks.Count;
        Console.WriteLine($"{name}: recall@5 {recall:F3}, recall@1 {ranks.Count(r => r == 1) / (double)ranks.Count:F3}, MRR {mrr:F3}");
    }

    Console.WriteLine($"fused misses (not in the top 5): {misses.Count}");
    misses.ForEach(Console.WriteLine);
}

// The answering bar (PassageBar) over the pool an answer looks at (TopPassages × PoolFactor of the ranking, reranked
// when a reranker is configured): for covered questions, the share whose right source is among the passages sent; for
// questions the base does not answer, the share that wrongly gets any passage. The keyword-only bar against the rule
// with the vector (and rerank) bar, then sweeps of each bar to pick its default.
static void Bar(List<Question> questions, List<Question> paraphrased, List<Question> uncovered, Bm25Index bm25, VectorIndex vectors, List<KnowledgePassage> passages, Dictionary<long, string> sources, KnowledgeSegmenter segmenter, Models models)
{
    const int top = 3; // Knowledge:TopPassages' default
    const double minMatch = 0.3; // Knowledge:MinScore's default
    var pool = top * PassageBar.PoolFactor;
    var rerankCandidates = new VectorOptions().RerankCandidates;
    // Each question's pool once per configuration: keyword ranking alone (no provider), fused with the simulator's
    // vectors, and fused then reranked by the simulator's reranker.
    List<RankedPassage> Pool(string q, string setup)
    {
        var keyword = HybridRanking.Keyword(bm25, segmenter.Question(q), KnowledgeIndex.FusionDepth);
        if (setup == "keyword")
        {
            return [.. keyword.Take(pool)];
        }

        var fused = HybridRanking.Fuse(keyword, HybridRanking.Vector(vectors, passages, models.Embed(q), KnowledgeIndex.FusionDepth));
        if (setup == "fused")
        {
            return [.. fused.Take(pool)];
        }

        var candidates = fused.Take(Math.Max(pool, rerankCandidates)).ToList();
        return HybridRanking.Reranked(candidates, models.Rerank(q, [.. candidates.Select(c => c.Passage.Document)]), pool);
    }

    var covered = questions.Concat(paraphrased).ToList();
    var sets = new[] { ("keyword", "no provider"), ("fused", $"embedding {models.EmbeddingName}"), ("reranked", $"embedding {models.EmbeddingName} + rerank {models.RerankName}") }
        .ToDictionary(s => s.Item1, s => (s.Item2,
            Covered: covered.Select(q => (q.Doc, Pool(q.Q, s.Item1))).ToList(),
            Paraphrased: paraphrased.Select(q => (q.Doc, Pool(q.Q, s.Item1))).ToList(),
            Uncovered: uncovered.Select(q => Pool(q.Q, s.Item1)).ToList()));

    string Figures(string setup, PassageBar bar)
    {
        var (_, all, reworded, none) = sets[setup];
        double Sent(List<(string? Doc, List<RankedPassage> Pool)> set) =>
            set.Count(q => bar.Select(q.Pool, top).Any(p => sources[p.Passage.SourceId] == q.Doc)) / (double)set.Count;
        var wrong = none.Count(p => bar.Select(p, top).Count > 0) / (double)none.Count;
        return $"covered sent {Sent(all):F3} ({all.Count}), paraphrased sent {Sent(reworded):F3} ({reworded.Count}), uncovered given a passage {wrong:F3} ({none.Count})";
    }

    Console.WriteLine($"-- the answering bar: top {top} of a pool of {pool}, MinScore {minMatch}");
    foreach (var (setup, (name, _, _, _)) in sets)
    {
        Console.WriteLine($"bar keyword-only, {name}: {Figures(setup, PassageBar.KeywordOnly(minMatch))}");
    }

    var vectorBar = PassageBar.DefaultMinVectorScore;
    var rerankBar = PassageBar.DefaultMinRerankScore;
    Console.WriteLine($"bar PassageBar (MinVectorScore {vectorBar}), {sets["fused"].Item1}: {Figures("fused", new PassageBar(minMatch, vectorBar, rerankBar))}");
    Console.WriteLine($"bar PassageBar (MinRerankScore {rerankBar}), {sets["reranked"].Item1}: {Figures("reranked", new PassageBar(minMatch, vectorBar, rerankBar))}");
    Console.WriteLine($"bar any of the three (match, cosine {vectorBar} or relevance {rerankBar}), {sets["reranked"].Item1}: {Figures("reranked", new PassageBar(minMatch, vectorBar, rerankBar) { RerankSupersedesVectors = false })}");
    foreach (var cosine in Enumerable.Range(2, 11).Select(i => i * 0.05))
    {
        Console.WriteLine($"sweep MinVectorScore {cosine:F2}: {Figures("fused", new PassageBar(minMatch, cosine, rerankBar))}");
    }

    foreach (var relevance in Enumerable.Range(2, 11).Select(i => i * 0.05))
    {
        Console.WriteLine($"sweep MinRerankScore {relevance:F2}: {Figures("reranked", new PassageBar(minMatch, vectorBar, relevance))}");
    }
}

// Search latency at scale: synthetic chunks made of the evaluation set's words, in the proportions they have there.
static int Scale(int chunks, int queries, string documentsFile)
{
    var documents = Load<List<Document>>(documentsFile);
    var segmenter = new KnowledgeSegmenter();
    var words = documents.SelectMany(d => segmenter.Passage(d.Title + "\n" + d.Text)).ToArray();
    var random = new Random(25);
    var started = Stopwatch.GetTimestamp();
    var items = new List<(KnowledgePassage, string[])>(chunks);
    var embeddings = new List<float[]?>(chunks);
    for (var i = 0; i < chunks; i++)
    {
        var tokens = Enumerable.Range(0, random.Next(40, 90)).Select(_ => words[random.Next(words.Length)]).ToArray();
        var text = string.Concat(tokens);
        items.Add((new KnowledgePassage(i + 1, (i / 5) + 1, "合成文档", null, text, null), tokens));
        embeddings.Add(FakeEmbedding.Embed(text));
    }

    Console.WriteLine($"chunks: {chunks} generated and embedded in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
    GC.Collect();
    var before = GC.GetTotalMemory(forceFullCollection: true);
    started = Stopwatch.GetTimestamp();
    var bm25 = Bm25Index.Build(items);
    var bm25Built = Stopwatch.GetElapsedTime(started);
    var afterBm25 = GC.GetTotalMemory(forceFullCollection: true);
    started = Stopwatch.GetTimestamp();
    var vectors = VectorIndex.Build(embeddings);
    var vectorsBuilt = Stopwatch.GetElapsedTime(started);
    Console.WriteLine($"BM25 index: built in {bm25Built.TotalMilliseconds:F0} ms, heap +{(afterBm25 - before) / 1048576.0:F1} MB (passages' text held elsewhere too)");
    Console.WriteLine($"vector index: {vectors.Count} x {vectors.Dimensions} float32, built in {vectorsBuilt.TotalMilliseconds:F0} ms, {vectors.Bytes / 1048576.0:F2} MB (one float32 matrix and a row map)");
    Console.WriteLine($"vector memory per 10,000 chunks: {vectors.Bytes * 10_000.0 / vectors.Count / 1048576.0:F2} MB at {vectors.Dimensions} dimensions; {10_000 * ((1024 * 4) + 4) / 1048576.0:F2} MB at 1,024");

    var passages = items.Select(i => i.Item1).ToArray();
    var questions = Enumerable.Range(0, queries).Select(_ => string.Concat(Enumerable.Range(0, random.Next(2, 6)).Select(_ => words[random.Next(words.Length)]))).ToArray();
    var timings = new Dictionary<string, List<double>> { ["keyword"] = [], ["vector"] = [], ["fused (keyword + vector + fusion)"] = [] };
    for (var round = 0; round < 2; round++) // the first round warms up (JIT, caches); the second is measured
    {
        foreach (var list in timings.Values)
        {
            list.Clear();
        }

        foreach (var question in questions)
        {
            var wordsOf = segmenter.Question(question);
            var vector = FakeEmbedding.Embed(question);
            var t0 = Stopwatch.GetTimestamp();
            var keyword = HybridRanking.Keyword(bm25, wordsOf, KnowledgeIndex.FusionDepth);
            var t1 = Stopwatch.GetTimestamp();
            var byVector = HybridRanking.Vector(vectors, passages, vector, KnowledgeIndex.FusionDepth);
            var t2 = Stopwatch.GetTimestamp();
            _ = HybridRanking.Fuse(keyword, byVector).Take(5).ToList();
            var t3 = Stopwatch.GetTimestamp();
            timings["keyword"].Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            timings["vector"].Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
            timings["fused (keyword + vector + fusion)"].Add(Stopwatch.GetElapsedTime(t0, t3).TotalMilliseconds);
        }
    }

    foreach (var (name, list) in timings)
    {
        list.Sort();
        Console.WriteLine($"search {name} at {chunks} chunks, {queries} questions: p50 {Percentile(list, 0.5):F2} ms, p95 {Percentile(list, 0.95):F2} ms, p99 {Percentile(list, 0.99):F2} ms");
    }

    return 0;
}

// The documents through POST /api/admin/knowledge/sources, 4 at a time; the API's per-address limit (10 a second)
// bounds a script, which waits out its 429s. Writes the ids, first and last, for "ingest-wait".
static async Task<int> PostAsync(Uri api, string adminKey, string documentsFile, int count, string idsFile)
{
    var documents = Load<List<Document>>(documentsFile);
    using var http = Admin(api, adminKey);
    var ids = new long[count];
    var limited = 0;
    var started = Stopwatch.GetTimestamp();
    await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
    {
        var document = documents[i % documents.Count];
        while (true)
        {
            // Each copy differs (its number in the title and the text), so none is taken for an unchanged source.
            using var response = await http.PostAsJsonAsync("/api/admin/knowledge/sources", new { title = $"{document.Title}（第 {i + 1} 份）", text = $"{document.Text}\n编号 {i + 1}。" }, ct);
            if ((int)response.StatusCode == 429)
            {
                Interlocked.Increment(ref limited);
                await Task.Delay(100, ct);
                continue;
            }

            response.EnsureSuccessStatusCode();
            ids[i] = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetInt64();
            break;
        }
    });
    var accepted = Stopwatch.GetElapsedTime(started);
    Console.WriteLine($"ingest: {count} documents accepted (202) in {accepted.TotalSeconds:F1} s, {count / accepted.TotalSeconds:F1}/s ({limited} answers 429 waited out)");
    await File.WriteAllTextAsync(idsFile, $"{ids.Min()} {ids.Max()}");
    return 0;
}

// Started with the worker: how fast it makes the queued documents ready (chunked, segmented, embedded, stored).
static async Task<int> WaitAsync(Uri api, string adminKey, string idsFile, int count)
{
    using var http = Admin(api, adminKey);
    var range = (await File.ReadAllTextAsync(idsFile)).Split(' ').Select(long.Parse).ToArray();
    var started = Stopwatch.GetTimestamp();
    var deadline = started + (Stopwatch.Frequency * 600);
    TimeSpan? first = null;
    while (true)
    {
        if (first is null && await DoneAsync(http, range[0]))
        {
            first = Stopwatch.GetElapsedTime(started);
        }

        if (first is not null && await DoneAsync(http, range[1]))
        {
            break;
        }

        if (Stopwatch.GetTimestamp() > deadline)
        {
            Console.WriteLine("ingest: not all ready within 10 minutes");
            return 1;
        }

        await Task.Delay(100);
    }

    var last = Stopwatch.GetElapsedTime(started);
    Console.WriteLine($"ingest: worker started, first document ready and embedded after {first!.Value.TotalSeconds:F1} s (its start, jieba's load), all {count} after {last.TotalSeconds:F1} s");
    Console.WriteLine($"ingest throughput: {(count - 1) / (last - first.Value).TotalSeconds:F1} documents/s (first to last ready, one worker)");
    return 0;
}

static async Task<bool> DoneAsync(HttpClient http, long id)
{
    using var response = await http.GetAsync(new Uri($"/api/admin/knowledge/sources/{id}", UriKind.Relative));
    if (!response.IsSuccessStatusCode)
    {
        return false; // a 429 of the per-address limit: ask again
    }

    var source = await response.Content.ReadFromJsonAsync<JsonElement>();
    return source.GetProperty("state").GetString() == "ready" && source.GetProperty("embeddingModel").ValueKind != JsonValueKind.Null;
}

static HttpClient Admin(Uri api, string adminKey)
{
    var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
    http.DefaultRequestHeaders.Add("X-Admin-Key", adminKey);
    return http;
}

static (Bm25Index, List<KnowledgePassage>, Dictionary<long, string>) Build(List<Document> documents, KnowledgeSegmenter segmenter)
{
    var items = new List<(KnowledgePassage, string[])>();
    var sources = new Dictionary<long, string>();
    foreach (var (document, number) in documents.Select((d, i) => (d, (long)i + 1)))
    {
        sources[number] = document.Id;
        var title = segmenter.Passage(document.Title);
        foreach (var draft in TextChunker.Split(document.Text, 500, 80))
        {
            var passage = new KnowledgePassage(items.Count + 1, number, document.Title, draft.Heading, draft.Text, null);
            items.Add((passage, [.. title, .. draft.Heading is null ? [] : segmenter.Passage(draft.Heading), .. segmenter.Passage(draft.Text)]));
        }
    }

    var passages = items.Select(i => i.Item1).ToList();
    return (Bm25Index.Build(items), passages, sources);
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static T Load<T>(string file) => JsonSerializer.Deserialize<T>(File.ReadAllText(file), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

internal sealed record Document(string Id, string Title, string Text);

internal sealed record Question(string Q, string? Doc);

/// <summary>The embedding and rerank models the quality figures come from (the simulator's, or the operator's providers).</summary>
internal sealed record Models(string EmbeddingName, string RerankName, Func<string, float[]> Embed, Func<string, IReadOnlyList<string>, IEnumerable<(int Index, double Score)>> Rerank);
