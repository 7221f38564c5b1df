using System.Collections.Concurrent;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>
/// WeChat's rule for customer-service messages: after a user's message the account may send that user at most 5
/// messages within 48 hours (45047 past the count, 45015 past the window).
/// </summary>
public sealed class CustomerServiceBudget(TimeProvider time)
{
    public const int MessagesPerWindow = 5;
    public static readonly TimeSpan Window = TimeSpan.FromHours(48);

    private readonly ConcurrentDictionary<string, (DateTimeOffset LastUserMessage, int Sent)> _users = new();

    /// <summary>A user wrote to the account: the window opens again with a full budget.</summary>
    public void UserWrote(string openId) => _users[openId] = (time.GetUtcNow(), 0);

    /// <summary>Whether the user's last message came within <paramref name="interval"/>.</summary>
    public bool WroteWithin(string openId, TimeSpan interval) =>
        _users.TryGetValue(openId, out var state) && time.GetUtcNow() - state.LastUserMessage <= interval;

    /// <summary>Takes one message from the budget, or returns WeChat's errcode when none is left.</summary>
    public int TrySpend(string openId)
    {
        while (true)
        {
            if (!_users.TryGetValue(openId, out var state) || time.GetUtcNow() - state.LastUserMessage > Window)
            {
                return WeChatErrorCodes.ReplyTimeLimitExceeded;
            }

            if (state.Sent >= MessagesPerWindow)
            {
                return WeChatErrorCodes.TooManyMessages;
            }

            if (_users.TryUpdate(openId, state with { Sent = state.Sent + 1 }, state))
            {
                return WeChatErrorCodes.Ok;
            }
        }
    }
}
