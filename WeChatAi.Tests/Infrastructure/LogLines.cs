namespace WeChatAi.Tests.Infrastructure;

internal static class LogLines
{
    /// <summary>Log entries of level Warning and above, in the console format or as JSON.</summary>
    public static List<string> WarningsAndErrors(string output) =>
        output.Split('\n')
            .Where(line => line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal)
                || line.StartsWith("crit:", StringComparison.Ordinal)
                || line.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)
                || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal))
            .ToList();
}
