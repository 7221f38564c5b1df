using Microsoft.Extensions.Options;
using WeChatAi.Core.Queue;
using WeChatAi.Core.WeChat;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Llm;
using WeChatAi.Worker.Memory;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Pipeline;

/// <summary>
/// One attempt at a job: the answer (from the LLM, or the one an earlier attempt stored), the turn remembered, the
/// answer split into WeChat-sized parts and delivered (pushed, or stored for the passive reply).
/// </summary>
internal sealed class JobAttempt(
    LlmAnswerer llm,
    MediaSteps media,
    ConversationMemory memory,
    MessageBudget budget,
    AnswerDelivery delivery,
    PassiveDelivery passiveDelivery,
    IOptions<WorkerOptions> workerOptions,
    IOptions<WeChatOptions> weChatOptions)
{
    /// <returns>The job as it was answered (a voice job with its transcription as the question), for the record.</returns>
    public async Task<(AiJob Job, StoredAnswer Answer, DeliveryOutcome Outcome)> RunAsync(AiJob job, JobState state, CancellationToken cancellationToken)
    {
        // Each job is a user message: WeChat's 48-hour budget starts again from it.
        await budget.ResetAsync(job);

        (job, var mediaReply) = await media.ToQuestionAsync(job, state, cancellationToken);
        var isReset = ConversationMemory.IsResetCommand(job.Content);
        var answer = state.Answer;
        if (answer is null)
        {
            if (isReset)
            {
                await memory.ClearAsync(job);
                answer = new StoredAnswer(workerOptions.Value.ResetConfirmationText, 0, 0);
            }
            else if (mediaReply is null)
            {
                var history = await memory.LoadAsync(job);
                answer = job.Media is { Kind: JobMedia.Image }
                    ? await media.AnswerImageAsync(job, history, cancellationToken)
                    : await llm.AnswerAsync(history, job.Content, cancellationToken);
            }

            answer = await state.StoreAnswerAsync(answer ?? mediaReply!);
        }

        if (!isReset && mediaReply is null && !state.IsMemorized && await state.TryMarkAsync("memorized"))
        {
            await memory.AppendAsync(job, job.Content, answer.Text);
        }

        var parts = MessageSplitter.Split(MarkdownText.ToPlainText(answer.Text), weChatOptions.Value.MaxMessageBytes);
        var outcome = await passiveDelivery.IsPassiveAsync(job.AppId)
            ? await passiveDelivery.StoreAsync(job, parts)
            : await delivery.DeliverAsync(job, state, parts, cancellationToken);
        return (job, answer, outcome);
    }
}
