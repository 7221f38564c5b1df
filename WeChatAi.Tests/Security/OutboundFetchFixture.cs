using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Two real workers, each with its Redis, database and fakes of WeChat and the vision model, and an "internal
/// service" on 127.0.0.1 that records every hit: <see cref="Production"/> with the default image hosts plus
/// <c>localhost</c> (a listed host that resolves to loopback) and no private addresses; <see cref="Development"/>
/// with the simulator's escape hatch (127.0.0.1 listed, private addresses allowed).
/// </summary>
public sealed class OutboundFetchFixture(PostgresServer postgres) : IAsyncLifetime
{
    internal WorkerHarness Production { get; private set; } = null!;

    internal WorkerHarness Development { get; private set; } = null!;

    internal RecordingListener Internal { get; private set; } = null!;

    internal ServiceProcess ProductionWorker { get; private set; } = null!;

    internal ServiceProcess DevelopmentWorker { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Internal = await RecordingListener.StartAsync();
        Production = await WorkerHarness.StartAsync(postgres);
        Development = await WorkerHarness.StartAsync(postgres);
        ProductionWorker = await Production.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Llm__VisionModel"] = "test-vision",
            ["Media__AllowedImageHosts"] = "qpic.cn,qlogo.cn,localhost",
            ["Media__AllowPrivateAddresses"] = "false",
        });
        DevelopmentWorker = await Development.StartWorkerAsync(WorkerHarness.LocalPicUrls(new() { ["Llm__VisionModel"] = "test-vision" }));
    }

    /// <summary>Sends an image message whose media/get fails (WeChat does not know the id), so its PicUrl is all there is.</summary>
    internal static Task<AiJob> SendImageAsync(WorkerHarness harness, string openId, string picUrl, string mediaId = "unknown-to-wechat") =>
        harness.EnqueueAsync(openId, JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, mediaId, picUrl));

    public async ValueTask DisposeAsync()
    {
        await Production.DisposeAsync();
        await Development.DisposeAsync();
        await Internal.DisposeAsync();
    }
}
