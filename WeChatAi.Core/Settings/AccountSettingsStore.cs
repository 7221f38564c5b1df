using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Settings;

/// <summary>
/// Loads the operator's overrides from <c>account_settings</c> into <see cref="AccountSettingsProvider"/> when the
/// version in Redis (<see cref="VersionKey"/>, bumped by every save) differs from the one it loaded. An override this
/// service's own configuration makes invalid (say, a label too long for its <c>WeChat:MaxMessageBytes</c>) is left out
/// and logged, so reading the options never fails.
/// </summary>
public sealed partial class AccountSettingsStore(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, AccountSettingsProvider provider, IConfiguration configuration, ILogger<AccountSettingsStore> logger) : IDisposable
{
    /// <summary>Counter: increased after every save of <c>account_settings</c>.</summary>
    public const string VersionKey = "wechatai:settings:version";

    private readonly VersionedReload _reloads = new(redis, VersionKey);

    /// <summary>Reloads the overrides if they changed since the last load (or never loaded).</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => _reloads.RefreshAsync(LoadAsync, cancellationToken);

    /// <summary>After a save is committed: every service reloads (this one at once).</summary>
    public async Task ChangedAsync(CancellationToken cancellationToken)
    {
        await VersionedReload.BumpAsync(redis, VersionKey).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _reloads.Dispose();

    private async Task LoadAsync(long version, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
            var rows = await db.AccountSettings.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
            Apply(AccountOverrides.From(rows, key => LogIgnored(logger, key)));
        }

        LogLoaded(logger, version);
    }

    private void Apply(AccountOverrides overrides)
    {
        var resolved = BoundSettings.Resolve(configuration, overrides);
        foreach (var (key, messages) in resolved.Dropped)
        {
            LogInvalid(logger, key, string.Join(" ", messages));
        }

        provider.Apply(resolved.Applied);
    }

    [LoggerMessage(1, LogLevel.Information, "Loaded the account settings (version {Version}).")]
    private static partial void LogLoaded(ILogger logger, long version);

    [LoggerMessage(2, LogLevel.Warning, "account_settings has '{Key}', which is not an editable setting; it is ignored.")]
    private static partial void LogIgnored(ILogger logger, string key);

    [LoggerMessage(3, LogLevel.Error, "The saved override of {Key} is not valid with this service's configuration and is left out: {Problem}")]
    private static partial void LogInvalid(ILogger logger, string key, string problem);
}
