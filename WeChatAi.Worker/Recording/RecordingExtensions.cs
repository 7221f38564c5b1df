using WeChatAi.Core.Compliance;
using WeChatAi.Worker.Recording;
using WeChatAi.Worker.Common;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class RecordingExtensions
{
    /// <summary>
    /// Every exchange written to PostgreSQL in batches, waiting in Redis while PostgreSQL is down (section <c>Recording</c>),
    /// and deleted after <c>Compliance:RetentionDays</c>. Add it before the job consumer:
    /// hosted services stop in reverse order, so jobs stop before the last flush.
    /// </summary>
    public static TBuilder AddExchangeRecording<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<RecordingOptions>(RecordingOptions.Section);
        builder.AddValidatedOptions<ComplianceOptions>(ComplianceOptions.Section);
        builder.Services.TryAddWorkerMetrics();
        builder.Services.AddSingleton<ExchangeWriter>();
        builder.Services.AddSingleton<ExchangeBuffer>();
        builder.Services.AddSingleton<ExchangeRecorder>();
        builder.Services.AddHostedService(static provider => provider.GetRequiredService<ExchangeRecorder>());
        builder.Services.AddHostedService<RecordRetention>();
        return builder;
    }
}
