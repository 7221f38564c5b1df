using Microsoft.Extensions.Options;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Llm;
using WeChatAi.Worker.Memory;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Safety;

namespace WeChatAi.Worker.Pipeline;

/// <summary>
/// One attempt at a job: the answer (from the LLM between the content-safety checks of the question and the answer,
/// or the one an earlier attempt stored), the turn remembered, the answer split into WeChat-sized parts and
/// delivered (pushed, or stored for the passive reply).
/// </summary>
internal sealed class JobAttempt(
    LlmAnswerer llm,
    ContentSafety safety,
    MediaSteps media,
    ConversationMemory memory,
    MessageBudget budget,
    AnswerDelivery delivery,
    PassiveDelivery passiveDelivery,
    TypingIndicator typing,
    IOptions<WorkerOptions> workerOptions,
    IOptions<WeChatOptions> weChatOptions,
    IOptionsMonitor<ComplianceOptions> compliance)
{
    /// <returns>The job as it was answered (a voice job with its transcription as the question), for the record.</returns>
    public async Task<(AiJob Job, StoredAnswer Answer, DeliveryOutcome Outcome)> RunAsync(AiJob job, JobState state, CancellationToken cancellationToken)
    {
        if (job.Notice is true)
        {
            // The app's own notice: no LLM, no memory, no AI label; it uses the budget the user's last message opened.
            var notice = new StoredAnswer(job.Content, 0, 0);
            return (job, notice, await delivery.DeliverAsync(job, state, MessageSplitter.Split(job.Content, weChatOptions.Value.MaxMessageBytes), cancellationToken));
        }

        // Each job is a user message: WeChat's 48-hour budget starts again from it.
        await budget.ResetAsync(job);

        (job, var mediaReply) = await media.ToQuestionAsync(job, state, cancellationToken);
        var isReset = JobCommands.IsReset(job.Content);
        var passive = await passiveDelivery.IsPassiveAsync(job.AppId);
        var answer = state.Answer;
        if (answer is null)
        {
            // Shown while the LLM works, once per job; it never fails or delays the answer.
            var shown = !passive && !isReset && typing.IsEnabled && await state.TryMarkAsync("typing")
                ? typing.ShowAsync(job, cancellationToken)
                : Task.CompletedTask;

            if (isReset)
            {
                await memory.ClearAsync(job);
                answer = new StoredAnswer(workerOptions.Value.ResetConfirmationText, 0, 0);
            }
            else if (mediaReply is null)
            {
                answer = await safety.AnswerAsync(job, () => GenerateAsync(job, cancellationToken), cancellationToken);
            }

            // What the user gets, replacement included: a retry after a crash never sends an unchecked answer.
            answer = await state.StoreAnswerAsync(answer ?? mediaReply!);
            await shown;
        }

        // A blocked turn is not remembered: the question must never reach the LLM, and the replacement is no answer of its.
        if (!isReset && mediaReply is null && answer.Blocked is null && !state.IsMemorized && await state.TryMarkAsync("memorized"))
        {
            await memory.AppendAsync(job, job.Content, answer.Text);
        }

        passive = await passiveDelivery.IsPassiveAsync(job.AppId); // a 48001 during the LLM call switched the account

        // Content safety's replacement is a fixed text, like the reset confirmation: not labelled as generated.
        var parts = Parts(answer, isAiAnswer: !isReset && mediaReply is null && answer.Blocked is null, passive);
        var outcome = passive
            ? await passiveDelivery.StoreAsync(job, parts)
            : await delivery.DeliverAsync(job, state, parts, cancellationToken);
        if (!passive && typing.IsEnabled)
        {
            await typing.EndedAsync(job);
        }

        return (job, answer, outcome);
    }

    /// <summary>The LLM's answer to the question: a vision model's for an image, the chat model's for text (and transcribed voice).</summary>
    private async Task<StoredAnswer> GenerateAsync(AiJob job, CancellationToken cancellationToken)
    {
        var history = await memory.LoadAsync(job);
        return job.Media is { Kind: JobMedia.Image }
            ? await media.AnswerImageAsync(job, history, cancellationToken)
            : await llm.AnswerAsync(history, job.Content, cancellationToken);
    }

    /// <summary>The messages for an answer: the reasoning summary first if any, then the answer; an AI answer labelled once, at its end.</summary>
    private List<string> Parts(StoredAnswer answer, bool isAiAnswer, bool passive)
    {
        // A passive reply that leaves parts pending ends with the "继续" link, so passive parts keep room for it.
        var maxBytes = passive ? PassiveReplyScripts.PartBytes(weChatOptions.Value.MaxMessageBytes) : weChatOptions.Value.MaxMessageBytes;
        List<string> parts = [];
        if (answer.ReasoningSummary is { } summary)
        {
            parts.AddRange(MessageSplitter.Split($"（思考摘要）{summary}", maxBytes));
        }

        var label = isAiAnswer ? compliance.CurrentValue.AiLabel : string.Empty;
        parts.AddRange(MessageSplitter.Split(MarkdownText.ToPlainText(answer.Text), maxBytes, label));
        return parts;
    }
}
