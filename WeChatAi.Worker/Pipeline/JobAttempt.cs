using Microsoft.Extensions.Options;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
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
    ConversationMemory memory,
    MessageBudget budget,
    AnswerDelivery delivery,
    PassiveDelivery passiveDelivery,
    IOptions<WorkerOptions> workerOptions,
    IOptions<WeChatOptions> weChatOptions)
{
    public async Task<(StoredAnswer Answer, DeliveryOutcome Outcome)> RunAsync(AiJob job, JobState state, CancellationToken cancellationToken)
    {
        // Each job is a user message: WeChat's 48-hour budget starts again from it.
        await budget.ResetAsync(job);

        var isReset = JobCommands.IsReset(job.Content);
        var answer = state.Answer;
        if (answer is null)
        {
            if (isReset)
            {
                await memory.ClearAsync(job);
                answer = new StoredAnswer(workerOptions.Value.ResetConfirmationText, 0, 0);
            }
            else
            {
                var history = await memory.LoadAsync(job);
                answer = await llm.AnswerAsync(history, job.Content, cancellationToken);
            }

            answer = await state.StoreAnswerAsync(answer);
        }

        if (!isReset && !state.IsMemorized && await state.TryMarkAsync("memorized"))
        {
            await memory.AppendAsync(job, job.Content, answer.Text);
        }

        // A passive reply that leaves parts pending ends with the "继续" link, so passive parts keep room for it.
        var passive = await passiveDelivery.IsPassiveAsync(job.AppId);
        var maxBytes = weChatOptions.Value.MaxMessageBytes;
        var parts = MessageSplitter.Split(MarkdownText.ToPlainText(answer.Text), passive ? PassiveReplyScripts.PartBytes(maxBytes) : maxBytes);
        var outcome = passive
            ? await passiveDelivery.StoreAsync(job, parts)
            : await delivery.DeliverAsync(job, state, parts, cancellationToken);
        return (answer, outcome);
    }
}
