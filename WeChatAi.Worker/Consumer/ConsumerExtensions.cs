using WeChatAi.Worker.Consumer;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class ConsumerExtensions
{
    /// <summary>Reads the job stream as one consumer of the shared group and runs each job through the pipeline.</summary>
    public static TBuilder AddJobConsumer<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHostedService<JobStreamConsumer>();
        return builder;
    }
}
