namespace WeChatAi.Admin.Components.Pages.Knowledge;

/// <summary>The JSON shapes of a source the console adds by hand (an upload is a file instead).</summary>
public enum SourceShape
{
    Text,
    Faq,
    Url,
}
