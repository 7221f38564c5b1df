using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Handoff;
using WeChatAi.Worker.Knowledge;
using WeChatAi.Worker.Llm;
using WeChatAi.Worker.Memory;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Safety;

namespace WeChatAi.Worker.Pipeline;

/// <summary>What an attempt came to, for its completion.</summary>
/// <param name="Job">The job as it was answered (a voice job with its transcription as the question), for the record.</param>
/// <param name="EndsTyping">A message went out with typing on: WeChat ended the user's indicator.</param>
internal sealed record AttemptResult(AiJob Job, StoredAnswer Answer, DeliveryOutcome Outcome, bool EndsTyping);

/// <summary>
/// One attempt at a job: started (<see cref="StartAsync"/>: handoff, the turn, the budget, typing and memory in one call), the
/// answer (from the LLM between the content-safety checks of the question and the answer, or the one an earlier
/// attempt stored), stored with the turn remembered and the first part claimed in one call, split into WeChat-sized
/// parts and delivered (pushed, or stored for the passive reply).
/// </summary>
internal sealed class JobAttempt(
    LlmAnswerer llm,
    KnowledgeAnswers knowledge,
    ContentSafety safety,
    MediaSteps media,
    ConversationMemory memory,
    MessageBudget budget,
    AnswerDelivery delivery,
    PassiveDelivery passiveDelivery,
    TypingIndicator typing,
    HandoffHold handoff,
    IOptions<WorkerOptions> workerOptions,
    IOptions<WeChatOptions> weChatOptions,
    IOptionsMonitor<ComplianceOptions> compliance)
{
    /// <summary>
    /// The attempt's first call; null when the job's turn has not come (<paramref name="turnEntry"/> given: an older
    /// message of the user is unfinished); <see cref="HandedOffException"/> when, at the job's first start, the user is with a person.
    /// </summary>
    public async Task<StartedAttempt?> StartAsync(AiJob job, JobState state, RedisValue turnEntry, DeadLetterRetry? retry)
    {
        var start = new AttemptStart(turnEntry, retry);
        if (job.Notice is true)
        {
            // The app's own notice: no LLM, no memory, no typing; it uses the budget the user's last message opened.
            return await state.StartAsync(job, start);
        }

        // A voice job's question is known once transcribed: whether it is a reset, and so whether to type, is decided then.
        var voice = job.Media is { Kind: JobMedia.Voice };
        var isReset = !voice && JobCommands.IsReset(job.Content);
        var types = !voice && await TypesAsync(job, isReset);
        var started = await state.StartAsync(job, start with
        {
            // Queued before the user was handed to a person: held at the first start, in the same call (no HEXISTS of its own).
            ChecksHandoff = !turnEntry.IsNull,
            // Each job is a user message: WeChat's 48-hour budget starts again from it.
            BudgetMessages = budget.Messages,
            BudgetWindowLeft = budget.WindowLeft(job),
            TypingShown = types ? TypingIndicator.ShownFor : TimeSpan.Zero,
            MemoryEntries = isReset ? 0 : memory.EntriesToRead,
        });
        return ReferenceEquals(started, StartedAttempt.HandedOff) ? throw new HandedOffException() : started;
    }

    public async Task<AttemptResult> RunAsync(AiJob job, JobState state, StartedAttempt started, CancellationToken cancellationToken)
    {
        if (job.Notice is true)
        {
            var notice = new StoredAnswer(job.Content, 0, 0);
            return new(job, notice, await delivery.DeliverAsync(job, state, MessageSplitter.Split(job.Content, weChatOptions.Value.MaxMessageBytes), cancellationToken), EndsTyping: false);
        }

        (job, var mediaReply) = await media.ToQuestionAsync(job, state, cancellationToken);
        var isReset = JobCommands.IsReset(job.Content);
        var remembered = !isReset && mediaReply is null;
        // An AI answer: remembered and labelled. Content safety's replacement is a fixed text, like the reset confirmation.
        bool IsAiAnswer(StoredAnswer a) => remembered && a.Blocked is null;
        var answer = state.Answer;
        var fresh = answer is null;
        if (answer is null)
        {
            if (!isReset && await handoff.IsHeldAsync(job))
            {
                throw new HandedOffException(); // an operator took the user over since the job started: no LLM call
            }

            // Shown while the LLM works if it takes a while, once per job; it never fails or delays the answer.
            using var answered = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var shown = started.ShowsTyping ? typing.ShowAsync(job, keySet: true, answered.Token, cancellationToken)
                : job.Media is { Kind: JobMedia.Voice } && await TypesAsync(job, isReset) && await state.TryMarkAsync("typing")
                    ? typing.ShowAsync(job, keySet: false, answered.Token, cancellationToken)
                    : Task.CompletedTask;

            if (isReset)
            {
                await memory.ClearAsync(job);
                answer = new StoredAnswer(workerOptions.Value.ResetConfirmationText, 0, 0);
            }
            else if (mediaReply is null)
            {
                var history = memory.History(started.Memory);
                answer = await safety.AnswerAsync(job, () => GenerateAsync(job, history, cancellationToken), cancellationToken);
            }

            answer ??= mediaReply!;
            await answered.CancelAsync();
            await shown; // a typing command already on its way goes before the answer
        }

        var passive = await passiveDelivery.IsPassiveAsync(job.AppId); // a 48001 during the LLM call switched the account

        var parts = Parts(answer, IsAiAnswer(answer), passive);
        string? token = null;
        if (fresh)
        {
            // What the user gets, replacement included: a retry after a crash never sends an unchecked answer. A blocked
            // turn is not remembered: the question must never reach the LLM, and the replacement is no answer of its.
            token = passive ? null : delivery.HeldToken;
            var turn = IsAiAnswer(answer) ? memory.Turn(job.Content, answer.Text) : null;
            (answer, fresh) = await state.StoreAnsweredAsync(job, answer, turn, push: token is not null, parts.Count);
            if (!fresh)
            {
                token = null; // another attempt's answer came first: it is delivered the way an earlier attempt's is
                parts = Parts(answer, IsAiAnswer(answer), passive);
            }
        }

        if (!fresh && IsAiAnswer(answer) && !state.IsMemorized && await state.TryMarkAsync("memorized"))
        {
            await memory.AppendAsync(job, job.Content, answer.Text);
        }

        var outcome = passive
            ? await passiveDelivery.StoreAsync(job, parts)
            : await delivery.DeliverAsync(job, state, parts, cancellationToken, token);
        return new(job, answer, outcome, EndsTyping: !passive && typing.IsEnabled);
    }

    /// <summary>Whether the job shows typing: not for a reset, only when WeChat would show it, and not in passive mode (no push API).</summary>
    private async Task<bool> TypesAsync(AiJob job, bool isReset) =>
        !isReset && typing.CanShow(job) && !await passiveDelivery.IsPassiveAsync(job.AppId);

    /// <summary>
    /// The LLM's answer to the question: a vision model's for an image, the chat model's for text (and transcribed voice),
    /// given the knowledge base's passages (or the strict mode's fallback without an LLM call).
    /// </summary>
    private Task<StoredAnswer> GenerateAsync(AiJob job, IReadOnlyList<ChatMessage> history, CancellationToken cancellationToken) =>
        job.Media is { Kind: JobMedia.Image }
            ? media.AnswerImageAsync(job, history, cancellationToken)
            : knowledge.AnswerAsync(job, question => llm.AnswerAsync(history, question, cancellationToken), cancellationToken);

    /// <summary>
    /// The messages for an answer: the reasoning summary first if any, then the answer; an AI answer ends with its
    /// knowledge citation (if any) and the label, once, whole in the last part.
    /// </summary>
    private List<string> Parts(StoredAnswer answer, bool isAiAnswer, bool passive)
    {
        // A passive reply that leaves parts pending ends with the "继续" link, so passive parts keep room for it.
        var maxBytes = passive ? PassiveReplyScripts.PartBytes(weChatOptions.Value.MaxMessageBytes) : weChatOptions.Value.MaxMessageBytes;
        List<string> parts = [];
        if (answer.ReasoningSummary is { } summary)
        {
            parts.AddRange(MessageSplitter.Split($"（思考摘要）{summary}", maxBytes));
        }

        var trailer = isAiAnswer ? KnowledgeCitation.Trailer(answer.Knowledge, compliance.CurrentValue.AiLabel) : string.Empty;
        parts.AddRange(MessageSplitter.Split(MarkdownText.ToPlainText(answer.Text), maxBytes, trailer));
        return parts;
    }
}
