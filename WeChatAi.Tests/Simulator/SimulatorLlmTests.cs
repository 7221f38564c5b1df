using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using WeChatAi.Core.Knowledge;
using WeChatAi.Simulator.Llm;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's OpenAI-compatible LLM: plain, streaming, and the faults the worker must survive.</summary>
public sealed class SimulatorLlmTests
{
    private static readonly object Question = new
    {
        model = "simulator-chat",
        messages = new object[]
        {
            new { role = "system", content = "be brief" },
            new { role = "user", content = new object[] { new { type = "text", text = "什么是公众号？" } } },
        },
    };

    [Fact]
    public async Task Answers_a_chat_completion_with_a_recognisable_text_and_usage()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:1/wechat"));
        using var response = await SendAsync(simulator, Question);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var content = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.Contains("【模拟AI】", content, StringComparison.Ordinal);
        Assert.Contains("什么是公众号？", content, StringComparison.Ordinal);
        Assert.True(body.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task A_question_sent_with_knowledge_passages_is_answered_from_the_matching_one_or_marked_not_covered()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:1/wechat"));
        KnowledgePassage[] passages =
        [
            new(1, 1, "开课时间", null, "每周二、周四晚上八点直播上课。错过的可以看回放。", null),
            new(2, 2, "退款说明", null, "购买后七天内可以申请全额退款。款项原路退回，三到五个工作日到账。", null),
        ];

        var covered = await AnswerAsync(simulator, KnowledgePrompt.Build(passages, "退款要几个工作日到账"));
        Assert.Equal(FakeKnowledgeAnswer.Prefix + "款项原路退回，三到五个工作日到账。", covered);

        var notCovered = await AnswerAsync(simulator, KnowledgePrompt.Build(passages, "今天天气好吗"));
        Assert.StartsWith(KnowledgePrompt.NotCovered + FakeLlm.Marker + "你问的是：「今天天气好吗」", notCovered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streams_chunks_that_add_up_to_the_answer_and_end_with_done()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:1/wechat"));
        using var response = await SendAsync(simulator, new { model = "simulator-chat", stream = true, messages = new[] { new { role = "user", content = "讲个长故事" } } });

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", lines[^1]);
        var text = string.Concat(lines[..^1].Select(line => JsonDocument.Parse(line["data: ".Length..]).RootElement
            .GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.StartsWith("【模拟AI】", text, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(text) > 5000, "a question with 长 gets an answer longer than two WeChat messages");
    }

    [Fact]
    public async Task Configured_faults_answer_429_with_retry_after_and_503_and_a_missing_key_401()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:1/wechat"));
        using (var noKey = await simulator.Client.PostAsJsonAsync(new Uri("/chat/completions", UriKind.Relative), Question, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        }

        await simulator.PostJsonAsync("/sim/llm", new { latencyMs = 0, rateLimitedRate = 1.0 });
        using (var limited = await SendAsync(simulator, Question))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        }

        await simulator.PostJsonAsync("/sim/llm", new { latencyMs = 0, unavailableRate = 1.0 });
        using var unavailable = await SendAsync(simulator, Question);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
    }

    private static async Task<string?> AnswerAsync(SimulatorProcess simulator, string question)
    {
        using var response = await SendAsync(simulator, new { model = "simulator-chat", messages = new[] { new { role = "user", content = question } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
    }

    private static async Task<HttpResponseMessage> SendAsync(SimulatorProcess simulator, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/chat/completions", UriKind.Relative))
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "test-key");
        return await simulator.Client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
