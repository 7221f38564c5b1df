using System.Text.Json;

namespace WeChatAi.AppHost.Simulation;

/// <summary>
/// The simulated account's and merchant's generated keys, kept as JSON files in <c>{data folder}/simulator</c> in
/// local mode, so a restarted AppHost is the same account (the console finds yesterday's users under the same AppId).
/// Readable by the owner only: they sign and decrypt for the simulator, never for a real account.
/// </summary>
internal static class SimulatorState
{
    public static T LoadOrCreate<T>(string? directory, string fileName, Func<T> create)
    {
        if (directory is null)
        {
            return create();
        }

        var path = Path.Combine(directory, fileName);
        if (File.Exists(path) && JsonSerializer.Deserialize<T>(File.ReadAllText(path)) is { } saved)
        {
            return saved;
        }

        var created = create();
        Directory.CreateDirectory(directory);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        {
            JsonSerializer.Serialize(file, created);
        }

        return created;
    }
}
