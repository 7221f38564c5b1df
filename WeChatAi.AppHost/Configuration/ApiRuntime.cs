namespace WeChatAi.AppHost.Configuration;

/// <summary>Runtime settings the API replicas are started with.</summary>
internal static class ApiRuntime
{
    /// <summary>
    /// The GC reads its gen0 budget only from the environment (no runtimeconfig.json name). Each webhook request
    /// allocates a few KB that die at once; a 64 MB budget means far fewer gen0 collections than the adaptive
    /// default (~18 MB on these machines), which measured ~+7 % requests/s and a lower p99 (docs/benchmarks-webhook.md).
    /// bench/webhook.sh starts the API with the same value.
    /// </summary>
    public const string Gen0BudgetVariable = "DOTNET_GCgen0size";

    public const string Gen0Budget = "0x4000000";
}
