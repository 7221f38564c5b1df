using System.Text.Json;
using Microsoft.Extensions.Options;

namespace WeChatAi.Simulator.State;

/// <summary>
/// What the simulator keeps across restarts (its users, the published menu) as JSON files in
/// <c>Simulator:DataDirectory</c>, which the AppHost sets in local mode; unset, nothing is kept.
/// </summary>
public sealed class StateFiles(IOptions<SimulatorOptions> options, ILogger<StateFiles> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Lock _writing = new();

    public T? Load<T>(string name)
    {
        if (PathOf(name) is not { } path || !File.Exists(path))
        {
            return default;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json);
        }
        catch (JsonException exception)
        {
            // A damaged file costs what it held, not the start: the simulator begins afresh and says so.
            LogUnreadable(logger, name, exception);
            return default;
        }
    }

    /// <summary>Writes the whole file; a temporary file and a rename, so a crash leaves the old one or the new one.</summary>
    public void Save<T>(string name, T value)
    {
        if (PathOf(name) is not { } path)
        {
            return;
        }

        lock (_writing)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(value, Json));
            File.Move(temporary, path, overwrite: true);
        }
    }

    private string? PathOf(string name) =>
        string.IsNullOrWhiteSpace(options.Value.DataDirectory) ? null : Path.Combine(options.Value.DataDirectory, name);

    private static readonly Action<ILogger, string, Exception?> LogUnreadable = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(1, "StateUnreadable"), "The simulator's {File} is not readable JSON; starting without it.");
}
