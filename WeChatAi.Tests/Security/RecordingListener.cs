using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WeChatAi.Tests.Fakes;

namespace WeChatAi.Tests.Security;

/// <summary>
/// An "internal service" on 127.0.0.1 that records every request it gets: <c>/internal/admin</c> answers a secret,
/// <c>/redirect?to=…</c> answers 302 to that address, <c>/image</c> answers <see cref="Image"/>.
/// </summary>
internal sealed class RecordingListener : FakeHttpServer
{
    public ConcurrentQueue<string> Hits { get; } = new();

    public byte[] Image { get; set; } = [];

    public Uri Url(string pathAndQuery) => new(BaseAddress, pathAndQuery);

    public IEnumerable<string> HitsOf(string path) => Hits.Where(hit => hit.StartsWith(path, StringComparison.Ordinal));

    public static async Task<RecordingListener> StartAsync()
    {
        var listener = new RecordingListener();
        await listener.StartAsyncCore();
        return listener;
    }

    protected override void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            Hits.Enqueue(context.Request.Path + context.Request.QueryString);
            await next(context);
        });
        app.MapGet("/internal/admin", () => Results.Text("secret"));
        app.MapGet("/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/image", () => Results.File(Image, "image/png"));
    }
}
