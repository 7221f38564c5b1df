using WeChatAi.Core.WeChat;
using WeChatAi.Simulator.State;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>
/// The menu last accepted by <c>/cgi-bin/menu/create</c>; the chat page shows it as WeChat does. Kept in
/// <c>menu.json</c> of the data folder, so a restarted simulator shows it at once, as WeChat keeps a published menu.
/// </summary>
public sealed class PublishedMenu
{
    private const string FileName = "menu.json";
    private readonly StateFiles _files;

    // Replaced whole, so readers never see half of an update.
    private volatile WeChatMenu? _menu;

    public PublishedMenu(StateFiles files)
    {
        _files = files;
        _menu = files.Load<WeChatMenu>(FileName);
    }

    public WeChatMenu? Current => _menu;

    public void Publish(WeChatMenu menu)
    {
        _menu = menu;
        _files.Save(FileName, menu);
    }
}
