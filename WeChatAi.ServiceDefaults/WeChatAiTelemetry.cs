using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>Names of the project's own tracing source and meter, registered with OpenTelemetry by the defaults.</summary>
public static class WeChatAiTelemetry
{
    public const string ActivitySourceName = "WeChatAi";
    public const string MeterName = "WeChatAi";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
