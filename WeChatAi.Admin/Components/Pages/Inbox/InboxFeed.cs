using Microsoft.JSInterop;
using WeChatAi.Admin.Api;

namespace WeChatAi.Admin.Components.Pages.Inbox;

/// <summary>
/// The open handoff sessions of one console tab (one circuit), polled every few seconds as the overview polls: the nav
/// badge and the Inbox page read the same list, and a session not seen before plays the chime (if the operator turned
/// it on). Started by the first component that shows it; stops with the circuit.
/// </summary>
public sealed class InboxFeed(AdminApi api, IJSRuntime js) : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<long> _seen = [];
    private IJSObjectReference? _sound;
    private Task? _loop;

    /// <summary>Raised (on the circuit's dispatcher) after each poll.</summary>
    public event Func<Task>? Changed;

    /// <summary>Oldest first, as the API lists them.</summary>
    public IReadOnlyList<HandoffListItem> Sessions { get; private set; } = [];

    /// <summary>When <see cref="Sessions"/> was read: each session's waiting time ticks on from there.</summary>
    public DateTimeOffset ReadAt { get; private set; }

    public bool Loaded { get; private set; }

    /// <summary>Why the last poll failed (the API's message), or null.</summary>
    public string? Error { get; private set; }

    public bool SoundOn { get; private set; }

    /// <summary>What the last chime did: <c>played</c>, <c>blocked</c> (the browser waits for a click), <c>off</c>, <c>failed</c>; null before any.</summary>
    public string? LastSound { get; private set; }

    /// <summary>Sessions whose user waits for a person: no reply yet, or unread messages after the last one.</summary>
    public int Waiting => Sessions.Count(IsWaiting);

    public static bool IsWaiting(HandoffListItem session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.FirstReplyAt is null || session.Unread > 0;
    }

    /// <summary>The seconds <paramref name="session"/> has waited, ticking on since the poll; 0 when the operator is not owing a reply.</summary>
    public long WaitingSeconds(HandoffListItem session, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.WaitingSeconds == 0 ? 0 : session.WaitingSeconds + Math.Max(0, (long)(now - ReadAt).TotalSeconds);
    }

    /// <summary>Starts polling (once per circuit): call after the first interactive render, when scripts can run.</summary>
    public void Start() => _loop ??= RunAsync();

    /// <summary>Reads the list now (after the operator acted), instead of at the next tick.</summary>
    public async Task RefreshAsync()
    {
        try
        {
            var sessions = await api.HandoffSessionsAsync(_stop.Token);
            var arrived = sessions.Count(s => !_seen.Contains(s.SessionId));
            var first = !Loaded;
            _seen.UnionWith(sessions.Select(s => s.SessionId));
            (Sessions, ReadAt, Loaded, Error) = (sessions, DateTimeOffset.UtcNow, true, null);
            if (arrived > 0 && !first)
            {
                LastSound = await CallSoundAsync("chime");
            }
        }
        catch (AdminApiException ex)
        {
            Error = ex.Message;
        }

        if (Changed is { } changed)
        {
            await changed();
        }
    }

    /// <summary>Turns the chime on or off (remembered by the browser); the click that calls it is what lets the browser play sound.</summary>
    public async Task SetSoundAsync(bool on)
    {
        SoundOn = on;
        LastSound = await CallSoundAsync("enable", on);
    }

    private async Task RunAsync()
    {
        SoundOn = await CallSoundAsync("init") == "on";
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                await RefreshAsync();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // The circuit ended.
        }
    }

    // The browser's answer, or "failed": a chime must never break the console (a closed tab, scripts still loading).
    private async Task<string> CallSoundAsync(string function, params object[] args)
    {
        try
        {
            _sound ??= await js.InvokeAsync<IJSObjectReference>("import", _stop.Token, "./inbox-sound.js");
            return function == "init"
                ? (await _sound.InvokeAsync<bool>(function, _stop.Token, args) ? "on" : "off")
                : await _sound.InvokeAsync<string>(function, _stop.Token, args);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException or InvalidOperationException)
        {
            return "failed";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        if (_sound is not null)
        {
            try
            {
                await _sound.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The tab is gone, and the module with it.
            }
        }

        _stop.Dispose();
    }
}
