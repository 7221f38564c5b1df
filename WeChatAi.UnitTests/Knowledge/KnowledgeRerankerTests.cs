using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Knowledge.Vectors;

namespace WeChatAi.UnitTests.Knowledge;

/// <summary>The reranker's wire format (OpenAI/Jina-style <c>/rerank</c>) against a stand-in provider, and its failures falling back.</summary>
public sealed class KnowledgeRerankerTests
{
    private static readonly VectorOptions Configured = new() { RerankEndpoint = "https://rerank.example/v1/", RerankModel = "bge-reranker-v2-m3", RerankApiKey = "rk", RerankTimeoutMs = 200 };

    [Fact]
    public async Task The_request_carries_model_query_documents_and_top_n_and_the_answer_orders_by_relevance()
    {
        var provider = new Provider(HttpStatusCode.OK, """{"results":[{"index":0,"relevance_score":0.1},{"index":2,"relevance_score":0.9},{"index":1,"relevance_score":0.5},{"index":7,"relevance_score":1}]}""");
        var reranker = Reranker(provider, Configured);

        var order = await reranker.RerankAsync("怎么退款", ["价格", "退款流程", "退款政策"], TestContext.Current.CancellationToken);

        Assert.Equal([(2, 0.9), (1, 0.5), (0, 0.1)], order); // best first; an index outside the documents ignored
        Assert.Equal("https://rerank.example/v1/rerank", provider.Uri);
        Assert.Equal("Bearer rk", provider.Authorization);
        using var body = JsonDocument.Parse(provider.Body!);
        Assert.Equal("bge-reranker-v2-m3", body.RootElement.GetProperty("model").GetString());
        Assert.Equal("怎么退款", body.RootElement.GetProperty("query").GetString());
        Assert.Equal(3, body.RootElement.GetProperty("documents").GetArrayLength());
        Assert.Equal(3, body.RootElement.GetProperty("top_n").GetInt32());
    }

    [Fact]
    public async Task An_error_a_bad_answer_or_the_timeout_gives_no_order_and_without_an_endpoint_nothing_is_sent()
    {
        Assert.Null(await Reranker(new Provider(HttpStatusCode.ServiceUnavailable, "{}"), Configured).RerankAsync("q", ["a"], TestContext.Current.CancellationToken));
        Assert.Null(await Reranker(new Provider(HttpStatusCode.OK, "{\"data\":[]}"), Configured).RerankAsync("q", ["a"], TestContext.Current.CancellationToken));
        Assert.Null(await Reranker(new Provider(HttpStatusCode.OK, "{}", TimeSpan.FromSeconds(5)), Configured).RerankAsync("q", ["a"], TestContext.Current.CancellationToken));

        var unused = new Provider(HttpStatusCode.OK, "{}");
        Assert.Null(await Reranker(unused, new VectorOptions()).RerankAsync("q", ["a"], TestContext.Current.CancellationToken));
        Assert.Null(unused.Uri);
    }

    private static KnowledgeReranker Reranker(Provider provider, VectorOptions options) =>
        new(new HttpClient(provider), Options.Create(options), NullLogger<KnowledgeReranker>.Instance);

    /// <summary>The rerank provider (the outside world): answers with a status and body, after a delay if asked.</summary>
    private sealed class Provider(HttpStatusCode status, string answer, TimeSpan delay = default) : HttpMessageHandler
    {
        public string? Uri { get; private set; }

        public string? Authorization { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Uri = request.RequestUri!.ToString();
            Authorization = request.Headers.Authorization?.ToString();
            Body = await request.Content!.ReadAsStringAsync(cancellationToken);
            await Task.Delay(delay, cancellationToken);
            return new HttpResponseMessage(status) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }
}
