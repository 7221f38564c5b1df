using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WeChatAi.Core.WeChat;

/// <summary>
/// A custom menu in the JSON of <c>/cgi-bin/menu/create</c> (<c>{"button":[…]}</c>) and WeChat's rules for it: 1–3
/// buttons, each either an action or a group of 1–5 sub-buttons; names of at most 16 (button) or 60 (sub-button)
/// bytes, CLICK keys of at most 128 bytes, VIEW URLs of at most 1024 bytes. Only <c>click</c> and <c>view</c> are
/// supported here: they are what the chat service needs.
/// </summary>
public sealed record WeChatMenu([property: JsonPropertyName("button")] IReadOnlyList<WeChatMenuButton>? Button)
{
    public const int MaxButtons = 3;
    public const int MaxSubButtons = 5;
    public const int MaxNameBytes = 16;
    public const int MaxSubNameBytes = 60;
    public const int MaxKeyBytes = 128;
    public const int MaxUrlBytes = 1024;

    public const string Click = "click";
    public const string View = "view";

    // Names stay as UTF-8 instead of \uXXXX escapes (server to server, never HTML); unknown fields such as a
    // misspelt "sub_buttons" are an error rather than silently dropped.
    private static readonly WeChatMenuJson Json = new(new JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    });

    /// <summary>Parses the JSON; throws <see cref="JsonException"/> saying where it is malformed.</summary>
    public static WeChatMenu? Parse(string json) => JsonSerializer.Deserialize(json, Json.WeChatMenu);

    /// <inheritdoc cref="Parse(string)"/>
    public static ValueTask<WeChatMenu?> ParseAsync(Stream json, CancellationToken cancellationToken) =>
        JsonSerializer.DeserializeAsync(json, Json.WeChatMenu, cancellationToken);

    /// <summary>The JSON WeChat expects (absent fields left out).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json.WeChatMenu);

    /// <summary>Every rule the menu breaks, by field path (<c>button[1].sub_button[0].name</c>); empty when it is valid.</summary>
    public Dictionary<string, string[]> Problems()
    {
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Button is not { Count: >= 1 and <= MaxButtons })
        {
            problems["button"] = [$"A menu has 1 to {MaxButtons} buttons."];
            return problems;
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Button.Count; i++)
        {
            var path = $"button[{i}]";
            var button = Button[i];
            if (button is null)
            {
                problems[path] = ["A button must be an object."];
                continue;
            }

            CheckName(problems, path, button.Name, MaxNameBytes);
            if (button.SubButton is { } subButtons)
            {
                if (subButtons.Count is < 1 or > MaxSubButtons)
                {
                    problems[$"{path}.sub_button"] = [$"A group has 1 to {MaxSubButtons} sub-buttons."];
                }

                if (button.Type is not null)
                {
                    problems[$"{path}.type"] = ["A button with sub_button has no type of its own."];
                }

                for (var j = 0; j < subButtons.Count; j++)
                {
                    var subPath = $"{path}.sub_button[{j}]";
                    if (subButtons[j] is not { } sub)
                    {
                        problems[subPath] = ["A sub-button must be an object."];
                        continue;
                    }

                    CheckName(problems, subPath, sub.Name, MaxSubNameBytes);
                    if (sub.SubButton is not null)
                    {
                        problems[$"{subPath}.sub_button"] = ["Sub-buttons cannot have sub-buttons."];
                    }

                    CheckAction(problems, subPath, sub, keys);
                }
            }
            else
            {
                CheckAction(problems, path, button, keys);
            }
        }

        return problems;
    }

    private static void CheckName(Dictionary<string, string[]> problems, string path, string? name, int maxBytes)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            problems[$"{path}.name"] = ["name is required."];
        }
        else if (Encoding.UTF8.GetByteCount(name) is var bytes && bytes > maxBytes)
        {
            problems[$"{path}.name"] = [$"name is {bytes} bytes (UTF-8); WeChat allows {maxBytes}."];
        }
    }

    private static void CheckAction(Dictionary<string, string[]> problems, string path, WeChatMenuButton button, HashSet<string> keys)
    {
        switch (button.Type)
        {
            case Click:
                if (string.IsNullOrEmpty(button.Key))
                {
                    problems[$"{path}.key"] = ["A click button needs a key."];
                }
                else if (Encoding.UTF8.GetByteCount(button.Key) is var bytes && bytes > MaxKeyBytes)
                {
                    problems[$"{path}.key"] = [$"key is {bytes} bytes; WeChat allows {MaxKeyBytes}."];
                }
                else if (!keys.Add(button.Key))
                {
                    problems[$"{path}.key"] = [$"key \"{button.Key}\" is used by another button."];
                }

                break;
            case View:
                if (!Uri.TryCreate(button.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                {
                    problems[$"{path}.url"] = ["A view button needs an absolute http(s) url."];
                }
                else if (Encoding.UTF8.GetByteCount(button.Url!) > MaxUrlBytes)
                {
                    problems[$"{path}.url"] = [$"url is longer than {MaxUrlBytes} bytes."];
                }

                break;
            default:
                problems[$"{path}.type"] = [$"type must be \"{Click}\" or \"{View}\" (or leave it out and give sub_button)."];
                break;
        }
    }
}

/// <summary>One button: an action (<see cref="Type"/> with <see cref="Key"/> or <see cref="Url"/>) or a group (<see cref="SubButton"/>).</summary>
public sealed record WeChatMenuButton(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("key")] string? Key = null,
    [property: JsonPropertyName("url")] string? Url = null,
    [property: JsonPropertyName("sub_button")] IReadOnlyList<WeChatMenuButton>? SubButton = null);

[JsonSerializable(typeof(WeChatMenu))]
internal sealed partial class WeChatMenuJson : JsonSerializerContext;
