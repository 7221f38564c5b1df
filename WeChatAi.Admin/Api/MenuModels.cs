using System.Text.Json;
using System.Text.Json.Serialization;

namespace WeChatAi.Admin.Api;

/// <summary><c>GET /api/admin/menu</c> (generated from the contract): the saved menu in WeChat's JSON, or the default.</summary>
public partial class MenuView
{
    public EditableMenu Editable() => Menu.Deserialize<EditableMenu>(AdminApiJson.Options) ?? new EditableMenu();
}

/// <summary>WeChat's <c>{"button":[…]}</c> as the settings page edits it; empty fields are left out when saved.</summary>
public sealed class EditableMenu
{
    [JsonPropertyName("button")]
    public List<MenuButton> Button { get; set; } = [];
}

public sealed class MenuButton
{
    [JsonPropertyName("type")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("key")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Key { get; set; }

    [JsonPropertyName("url")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Url { get; set; }

    [JsonPropertyName("sub_button")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<MenuButton>? SubButton { get; set; }

    /// <summary>What is sent: a group has only its name and sub-buttons; an action only the field its type uses.</summary>
    public MenuButton Normalized() => SubButton is { Count: > 0 }
        ? new() { Name = Name, SubButton = [.. SubButton.Select(s => s.Normalized())] }
        : new() { Type = Type, Name = Name, Key = Type == "click" ? Key : null, Url = Type == "view" ? Url : null };
}
