using System.Collections.Concurrent;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>
/// WeChat's rules for "对方正在输入": only within 30 s of the user's message (45080), shown 15 s and not started again
/// meanwhile (45081), ended by any message the account sends or by <c>CancelTyping</c>.
/// </summary>
public sealed class TypingState(TimeProvider time, CustomerServiceBudget budget)
{
    public static readonly TimeSpan RecentMessage = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Shown = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _since = new();

    /// <summary>Starts the indicator, or returns WeChat's errcode for why not.</summary>
    public int TryStart(string openId)
    {
        if (!budget.WroteWithin(openId, RecentMessage))
        {
            return WeChatErrorCodes.TypingTooLate;
        }

        var now = time.GetUtcNow();
        if (_since.TryGetValue(openId, out var since) && now - since < Shown)
        {
            return WeChatErrorCodes.AlreadyTyping;
        }

        _since[openId] = now;
        return WeChatErrorCodes.Ok;
    }

    public void End(string openId) => _since.TryRemove(openId, out _);
}
