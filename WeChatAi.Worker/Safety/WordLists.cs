using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Worker.Safety;

/// <summary>
/// The configured word lists as one <see cref="WordMatcher"/>, loaded at startup (a list that cannot be read stops the
/// worker, naming it) and built again when a file changes, without a restart. A file that cannot be read at a reload
/// (an editor between writes) leaves the lists in force until the next change. Files are watched through a
/// <see cref="PhysicalFileProvider"/> per folder: FileSystemWatcher, or polling when DOTNET_USE_POLLING_FILE_WATCHER is
/// set (mounted volumes whose changes inotify does not see).
/// </summary>
internal sealed partial class WordLists : IStartupWarmUp, IDisposable
{
    /// <summary>Editors write in several steps; the list is read once they are done.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly string[] _paths;
    private readonly bool _isDefault;
    private readonly ILogger<WordLists> _logger;
    private readonly List<IDisposable> _watchers = [];
    private readonly Lock _reloading = new();
    private volatile WordMatcher _current = WordMatcher.Empty;
    private int _reloadScheduled;

    public WordLists(IOptions<SafetyOptions> options, ILogger<WordLists> logger)
    {
        var configured = options.Value.WordListPaths.Where(p => !string.IsNullOrWhiteSpace(p)).ToArray();
        _isDefault = configured.Length == 0;
        _paths = [.. (configured.Length > 0 ? configured : [SafetyOptions.DefaultWordList]).Select(p => Path.GetFullPath(p, AppContext.BaseDirectory)).Distinct(StringComparer.Ordinal)];
        _logger = logger;
    }

    public WordMatcher Current => _current;

    public Task WarmUpAsync(CancellationToken cancellationToken)
    {
        // The start runs warm-ups again after a Redis outage: the lists are loaded and watched once.
        if (_watchers.Count > 0)
        {
            return Task.CompletedTask;
        }

        try
        {
            _current = Load();
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Safety:WordListPaths: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException($"Safety:WordListPaths: {ex.Message}", ex);
        }

        LogLoaded(_logger, _current.Count, _paths.Length);
        if (_isDefault)
        {
            LogDefaultList(_logger, _paths[0]);
        }

        foreach (var folder in _paths.GroupBy(Path.GetDirectoryName))
        {
            var provider = new PhysicalFileProvider(folder.Key!, Microsoft.Extensions.FileProviders.Physical.ExclusionFilters.None);
            _watchers.Add(provider);
            foreach (var path in folder)
            {
                var name = Path.GetFileName(path);
                _watchers.Add(ChangeToken.OnChange(() => provider.Watch(name), ScheduleReload));
            }
        }

        return Task.CompletedTask;
    }

    private void ScheduleReload()
    {
        if (Interlocked.Exchange(ref _reloadScheduled, 1) == 0)
        {
            _ = ReloadAfterSettlingAsync();
        }
    }

    private async Task ReloadAfterSettlingAsync()
    {
        await Task.Delay(Settle);
        Interlocked.Exchange(ref _reloadScheduled, 0);
        lock (_reloading)
        {
            try
            {
                _current = Load();
                LogReloaded(_logger, _current.Count);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogReloadFailed(_logger, ex.Message);
            }
        }
    }

    private WordMatcher Load() => WordMatcher.Build(_paths
        .SelectMany(File.ReadAllLines)
        .Where(line => !line.TrimStart().StartsWith('#')));

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Content safety: {Terms} term(s) from {Files} word list(s)")]
    private static partial void LogLoaded(ILogger logger, int terms, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Content safety: no word list configured, only the shipped test list {Path} is in force; set Safety:WordListPaths to your own lists")]
    private static partial void LogDefaultList(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Content safety: a word list changed; {Terms} term(s) in force now")]
    private static partial void LogReloaded(ILogger logger, int terms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Content safety: a changed word list could not be read ({Reason}); the previous lists stay in force until the next change")]
    private static partial void LogReloadFailed(ILogger logger, string reason);
}
