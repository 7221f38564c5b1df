using StackExchange.Redis;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class WorkerRedisExtensions
{
    /// <summary>
    /// Redis as every service has it (<c>AddWeChatRedis</c>), its replies read on the .NET thread pool rather than by the
    /// client's own dedicated threads, which hand each of a job's ~15 replies over to the pool: fewer threads waking
    /// each other on a small machine, less CPU per answer (measured: docs/benchmarks-pipeline.md, issue 24).
    /// </summary>
    public static TBuilder AddWorkerRedis<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder =>
        builder.AddWeChatRedis(static options => options.SocketManager = SocketManager.ThreadPool);
}
