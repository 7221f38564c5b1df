using WeChatAi.Core.WeChat;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>The menu last accepted by <c>/cgi-bin/menu/create</c>; the chat page shows it as WeChat does.</summary>
public sealed class PublishedMenu
{
    // Replaced whole, so readers never see half of an update.
    private volatile WeChatMenu? _menu;

    public WeChatMenu? Current => _menu;

    public void Publish(WeChatMenu menu) => _menu = menu;
}
