using Microsoft.Extensions.Logging;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Settings;

/// <summary>
/// Loads the overrides before the service accepts traffic, then checks their version every second. Polling rather than
/// a Redis subscription: a message published while a replica was disconnected would be lost, a version read after the
/// reconnection is not; it is one GET a second.
/// </summary>
internal sealed class AccountSettingsRefresher(AccountSettingsStore store, ILogger<AccountSettingsRefresher> logger)
    : PeriodicRefresher(logger, "the account settings")
{
    protected override Task RefreshAsync(CancellationToken cancellationToken) => store.RefreshAsync(cancellationToken);
}
