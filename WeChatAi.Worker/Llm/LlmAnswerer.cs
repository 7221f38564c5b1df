using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Llm;

/// <summary>
/// Asks the chat model, at most <see cref="LlmOptions.MaxConcurrency"/> calls at once in this process, each within a
/// hard deadline of <see cref="LlmOptions.TimeoutSeconds"/> (HTTP retries on 429/5xx and the circuit breaker are in
/// the HttpClient's resilience pipeline).
/// </summary>
internal sealed class LlmAnswerer(
    IChatClient chat, [FromKeyedServices(LlmAnswerer.VisionClient)] IChatClient vision, IOptions<LlmOptions> options, WorkerMetrics metrics, ServiceCallStats calls) : IDisposable
{
    /// <summary>The service key of the chat client for <see cref="LlmOptions.VisionModel"/>.</summary>
    public const string VisionClient = "vision";

    private readonly SemaphoreSlim _gate = new(options.Value.MaxConcurrency, options.Value.MaxConcurrency);

    // Built once (the settings are fixed for the process), shared by every call: the clients only read them.
    private readonly ChatMessage? _systemPrompt = string.IsNullOrWhiteSpace(options.Value.SystemPrompt) ? null : new(ChatRole.System, options.Value.SystemPrompt);
    private readonly ChatOptions _chatOptions = new() { ModelId = options.Value.Model, MaxOutputTokens = options.Value.MaxOutputTokens };
    private readonly ChatOptions _visionOptions = new() { ModelId = options.Value.VisionModel, MaxOutputTokens = options.Value.MaxOutputTokens };

    public Task<StoredAnswer> AnswerAsync(IReadOnlyList<ChatMessage> history, string question, CancellationToken cancellationToken) =>
        AskAsync(chat, _chatOptions, history, new ChatMessage(ChatRole.User, question), cancellationToken);

    /// <summary>Asks <see cref="LlmOptions.VisionModel"/> about an image (sent as a <c>data:</c> URI), after the user's recent turns.</summary>
    public Task<StoredAnswer> AnswerImageAsync(
        IReadOnlyList<ChatMessage> history, ReadOnlyMemory<byte> image, string mediaType, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.HasVision)
        {
            throw new InvalidOperationException("An image job arrived but Llm:VisionModel is not set for the worker.");
        }

        var question = new ChatMessage(ChatRole.User, [new TextContent(settings.VisionPrompt), new DataContent(image, mediaType)]);
        return AskAsync(vision, _visionOptions, history, question, cancellationToken);
    }

    private async Task<StoredAnswer> AskAsync(
        IChatClient client, ChatOptions chatOptions, IReadOnlyList<ChatMessage> history, ChatMessage question, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var messages = new List<ChatMessage>(history.Count + 2);
        if (_systemPrompt is not null)
        {
            messages.Add(_systemPrompt);
        }

        messages.AddRange(history);
        messages.Add(question);

        await _gate.WaitAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
            ChatResponse response;
            try
            {
                response = await client.GetResponseAsync(messages, chatOptions, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The LLM did not answer within Llm:TimeoutSeconds ({settings.TimeoutSeconds} s).");
            }

            var (text, thinking) = ReasoningFilter.Separate(response.Text ?? string.Empty);
            if (string.IsNullOrEmpty(text))
            {
                throw new InvalidOperationException(thinking is null ? "The LLM returned an empty answer." : "The LLM returned only reasoning, no answer.");
            }

            var summary = settings.ShowReasoning && (thinking ?? ReasoningContent(response)) is { } reasoning
                ? ReasoningFilter.Summarize(reasoning, settings.ReasoningSummaryChars)
                : null;

            var promptTokens = (int)(response.Usage?.InputTokenCount ?? 0);
            var completionTokens = (int)(response.Usage?.OutputTokenCount ?? 0);
            metrics.LlmCall(Stopwatch.GetElapsedTime(started), promptTokens, completionTokens, "ok");
            calls.LlmCall(failed: false, promptTokens, completionTokens);
            return new StoredAnswer(text, promptTokens, completionTokens, summary);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            metrics.LlmCall(Stopwatch.GetElapsedTime(started), 0, 0, "error");
            calls.LlmCall(failed: true);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// DeepSeek's separate <c>reasoning_content</c>: the OpenAI client drops the unknown field from the text (so it never
    /// reaches users by accident), and only the raw response still has it.
    /// </summary>
    private static string? ReasoningContent(ChatResponse response)
    {
        var reasoning = string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(c => c.Text));
        if (reasoning.Length > 0)
        {
            return reasoning;
        }

        if (response.RawRepresentation is null)
        {
            return null;
        }

        using var json = JsonDocument.Parse(ModelReaderWriter.Write(response.RawRepresentation));
        return json.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("message", out var message)
            && message.TryGetProperty("reasoning_content", out var content) && content.ValueKind == JsonValueKind.String
            && content.GetString() is { Length: > 0 } text
                ? text
                : null;
    }

    public void Dispose() => _gate.Dispose();
}
