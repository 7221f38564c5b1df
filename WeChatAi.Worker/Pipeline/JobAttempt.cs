using Microsoft.Extensions.Options;
using WeChatAi.Core.Compliance;
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
    ConversationMemory memory,
    MessageBudget budget,
    AnswerDelivery delivery,
    PassiveDelivery passiveDelivery,
    TypingIndicator typing,
    IOptions<WorkerOptions> workerOptions,
    IOptions<WeChatOptions> weChatOptions,
    IOptions<ComplianceOptions> compliance)
{
    public async Task<(StoredAnswer Answer, DeliveryOutcome Outcome)> RunAsync(AiJob job, JobState state, CancellationToken cancellationToken)
    {
        if (job.Notice is true)
        {
            // The app's own notice: no LLM, no memory, no AI label; it uses the budget the user's last message opened.
            var notice = new StoredAnswer(job.Content, 0, 0);
            return (notice, await delivery.DeliverAsync(job, state, MessageSplitter.Split(job.Content, weChatOptions.Value.MaxMessageBytes), cancellationToken));
        }

        // Each job is a user message: WeChat's 48-hour budget starts again from it.
        await budget.ResetAsync(job);

        var isReset = ConversationMemory.IsResetCommand(job.Content);
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
            else
            {
                var history = await memory.LoadAsync(job);
                answer = await llm.AnswerAsync(history, job.Content, cancellationToken);
            }

            answer = await state.StoreAnswerAsync(answer);
            await shown;
        }

        if (!isReset && !state.IsMemorized && await state.TryMarkAsync("memorized"))
        {
            await memory.AppendAsync(job, job.Content, answer.Text);
        }

        var parts = Parts(answer, isAiAnswer: !isReset);
        passive = await passiveDelivery.IsPassiveAsync(job.AppId); // a 48001 during the LLM call switched the account
        var outcome = passive
            ? await passiveDelivery.StoreAsync(job, parts)
            : await delivery.DeliverAsync(job, state, parts, cancellationToken);
        if (!passive && typing.IsEnabled)
        {
            await typing.EndedAsync(job);
        }

        return (answer, outcome);
    }

    /// <summary>The messages for an answer: the reasoning summary first if any, then the answer; an AI answer labelled once, at its end.</summary>
    private List<string> Parts(StoredAnswer answer, bool isAiAnswer)
    {
        var maxBytes = weChatOptions.Value.MaxMessageBytes;
        List<string> parts = [];
        if (answer.ReasoningSummary is { } summary)
        {
            parts.AddRange(MessageSplitter.Split($"（思考摘要）{summary}", maxBytes));
        }

        var label = isAiAnswer ? compliance.Value.AiLabel : string.Empty;
        parts.AddRange(MessageSplitter.Split(MarkdownText.ToPlainText(answer.Text), maxBytes, label));
        return parts;
    }
}
