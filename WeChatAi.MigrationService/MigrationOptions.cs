namespace WeChatAi.MigrationService;

/// <summary>Section <c>Migrations</c>.</summary>
public sealed class MigrationOptions
{
    public const string Section = "Migrations";

    /// <summary>
    /// Stay up after a successful migration instead of exiting: on a platform that restarts exited containers
    /// (Azure Container Apps) exiting would migrate again in a loop. The published AppHost sets it.
    /// </summary>
    public bool KeepRunning { get; set; }
}
