namespace WeChatAi.Core.Readiness;

/// <summary>
/// Work a service does before it accepts traffic, once Redis answers: build the singletons the hot path needs, load
/// scripts, check the database. Run by <see cref="StartupReadiness"/> in registration order.
/// </summary>
public interface IStartupWarmUp
{
    Task WarmUpAsync(CancellationToken cancellationToken);
}
