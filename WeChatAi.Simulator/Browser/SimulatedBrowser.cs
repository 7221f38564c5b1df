namespace WeChatAi.Simulator.Browser;

/// <summary>Whose phone the "WeChat browser" is: the simulated user the chat page opened a link for.</summary>
internal sealed class SimulatedBrowser
{
    private volatile string? _openId;

    public string? OpenId
    {
        get => _openId;
        set => _openId = value;
    }
}
