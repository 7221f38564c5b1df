using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>What the AppHost's resources have logged so far, as the dashboard's console logs show it.</summary>
internal static partial class ResourceLogs
{
    /// <summary>
    /// Every Error or Critical entry of the .NET services so far ("fail:"/"crit:" in the console format, the lines the
    /// dashboard's error badge counts), as "resource: line".
    /// </summary>
    public static async Task<List<string>> ErrorsAsync(DistributedApplication app)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var logs = app.Services.GetRequiredService<ResourceLoggerService>();
        var errors = new List<string>();
        var seen = 0;
        foreach (var resource in model.Resources.OfType<ProjectResource>())
        {
            var lines = new List<LogLine>();
            await foreach (var batch in logs.GetAllAsync(resource))
            {
                lines.AddRange(batch);
            }

            seen += lines.Count;
            // The console format puts the message on the lines after the level: an error is shown with them.
            errors.AddRange(lines.Select((line, i) => (line, i)).Where(l => IsError(l.line))
                .Select(l => $"{resource.Name}: {string.Join("\n", lines.Skip(l.i).Take(4).Select(x => x.Content))}"));
        }

        // An empty log would make "no errors" mean nothing.
        return seen > 0 ? errors : throw new InvalidOperationException("The services logged nothing that could be read: the error check would be empty.");
    }

    /// <summary>
    /// An Error or Critical entry as the services write it under the AppHost: after the dashboard's timestamp, the
    /// console formatter's coloured "fail:"/"crit:", or a JSON entry's "LogLevel"; or anything on standard error.
    /// </summary>
    internal static bool IsError(LogLine line)
    {
        if (line.IsErrorMessage)
        {
            return true;
        }

        var content = Ansi().Replace(line.Content, string.Empty);
        var space = content.IndexOf(' ', StringComparison.Ordinal);
        var entry = space > 0 && char.IsDigit(content[0]) ? content[(space + 1)..] : content;
        return entry.StartsWith("fail:", StringComparison.Ordinal) || entry.StartsWith("crit:", StringComparison.Ordinal)
            || entry.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || entry.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal);
    }

    [GeneratedRegex("\\e\\[[0-9;]*m")]
    private static partial Regex Ansi();
}
