using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace WeChatAi.Tests.Fakes;

/// <summary>A small real Kestrel server on 127.0.0.1 (a free port unless given), for fakes of outside APIs.</summary>
public abstract class FakeHttpServer : IAsyncDisposable
{
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    protected async Task StartAsyncCore(int port = 0)
    {
        if (port == 0)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(BaseAddress.ToString());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxConcurrentConnections = null);

        // A worker opens a connection per concurrent HTTP/1.1 request: in the benchmark hundreds arrive at once, and
        // beyond the default accept backlog (512) the kernel drops SYNs, which costs the client a 1-second retransmit.
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 4096);
        _app = builder.Build();
        Map(_app);
        await _app.StartAsync();
    }

    protected abstract void Map(WebApplication app);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
