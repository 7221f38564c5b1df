using WeChatAi.Worker.Pipeline;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Ordering;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class PipelineExtensions
{
    /// <summary>
    /// A job from stream entry to delivered answer, one user's jobs in order (section <c>Worker</c>); needs the LLM,
    /// content safety, memory, delivery and recording.
    /// </summary>
    public static TBuilder AddJobPipeline<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<WorkerOptions>(WorkerOptions.Section);
        var services = builder.Services;
        services.TryAddWorkerMetrics();
        services.AddSingleton<UserTurns>();
        services.AddSingleton<PipelineReadiness>();
        services.AddSingleton<MediaSteps>();
        services.AddSingleton<JobAttempt>();
        services.AddSingleton<JobCompletion>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<JobPipeline>();
        return builder;
    }
}
