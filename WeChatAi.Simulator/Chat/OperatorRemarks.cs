using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace WeChatAi.Simulator.Chat;

/// <summary>
/// Plays the operator who writes a remark for a new follower: WeChat sends no nickname (its user info has returned
/// none since December 2021), so the console's nickname is the operator's remark (docs/console-data.md). For each
/// simulated user that writes or follows, once their user row exists, the chat page's name becomes their remark
/// through the API's <c>PUT /api/admin/users/{openId}/nickname</c> (audited as the operator <c>simulator</c>), unless
/// an operator already gave one. Off without <c>Admin:ApiKey</c> (the AppHost passes the run's key).
/// </summary>
public sealed partial class OperatorRemarks(
    IHttpClientFactory clients,
    SimulatedUsers users,
    IOptions<SimulatorOptions> options,
    IConfiguration configuration,
    ILogger<OperatorRemarks> logger) : BackgroundService
{
    public const string ClientName = nameof(OperatorRemarks);

    /// <summary>A message's user row is written by the worker's recorder, a second or two after the webhook.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private const int MaxTries = 60;

    private readonly ConcurrentDictionary<string, bool> _noted = new(StringComparer.Ordinal);
    private readonly Channel<SimulatedUser> _queue = Channel.CreateUnbounded<SimulatedUser>(new UnboundedChannelOptions { SingleReader = true });

    private string? ApiKey => configuration["Admin:ApiKey"] is { Length: > 0 } key ? key : null;

    /// <summary>The user wrote or followed: their remark is set once, in the background.</summary>
    public void Noted(string openId)
    {
        if (ApiKey is not null && users.Find(openId) is { } user && _noted.TryAdd(openId, true))
        {
            _queue.Writer.TryWrite(user);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var user in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            _ = RemarkAsync(user, stoppingToken);
        }
    }

    private async Task RemarkAsync(SimulatedUser user, CancellationToken cancellationToken)
    {
        using var http = clients.CreateClient(ClientName);
        http.BaseAddress = new Uri(options.Value.WebhookUrl, "/");
        http.DefaultRequestHeaders.Add("X-Admin-Key", ApiKey);
        http.DefaultRequestHeaders.Add("X-Admin-Operator", "simulator");
        var path = "api/admin/users/" + Uri.EscapeDataString(user.OpenId);
        try
        {
            for (var tries = 0; tries < MaxTries; tries++)
            {
                using var current = await http.GetAsync(path, cancellationToken);
                if (current.StatusCode == HttpStatusCode.NotFound)
                {
                    await Task.Delay(RetryDelay, cancellationToken);
                    continue;
                }

                current.EnsureSuccessStatusCode();
                var view = await current.Content.ReadFromJsonAsync<UserRemark>(cancellationToken);
                if (view?.Nickname is null)
                {
                    using var put = await http.PutAsJsonAsync(path + "/nickname", new UserRemark(user.Name), cancellationToken);
                    put.EnsureSuccessStatusCode();
                }

                return;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, ex);
        }

        _noted.TryRemove(user.OpenId, out _); // the next message tries again
    }

    private sealed record UserRemark(string? Nickname);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not set a simulated user's remark through the admin API")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
