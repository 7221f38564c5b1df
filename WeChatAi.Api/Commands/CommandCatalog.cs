namespace WeChatAi.Api.Commands;

/// <summary>Every registered <see cref="IChatCommand"/>, found by a whole message or a menu CLICK key.</summary>
public sealed class CommandCatalog
{
    private readonly Dictionary<string, IChatCommand> _byWord = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IChatCommand> _byMenuKey = new(StringComparer.Ordinal);

    public CommandCatalog(IEnumerable<IChatCommand> commands)
    {
        Commands = [.. commands];
        foreach (var command in Commands)
        {
            if (!_byMenuKey.TryAdd(command.MenuKey, command))
            {
                throw new InvalidOperationException($"Two commands use the menu key '{command.MenuKey}'.");
            }

            foreach (var word in command.Words)
            {
                if (!_byWord.TryAdd(word, command))
                {
                    throw new InvalidOperationException($"Two commands use the word '{word}'.");
                }
            }
        }
    }

    public IReadOnlyList<IChatCommand> Commands { get; }

    /// <summary>The command a whole message names (surrounding spaces ignored), or null.</summary>
    public IChatCommand? ForMessage(string content) => _byWord.GetValueOrDefault(content.Trim());

    public IChatCommand? ForMenuKey(string key) => _byMenuKey.GetValueOrDefault(key);
}
