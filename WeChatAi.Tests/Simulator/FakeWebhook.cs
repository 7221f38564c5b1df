using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WeChatAi.Tests.Fakes;

namespace WeChatAi.Tests.Simulator;

/// <summary>A webhook that records every request as it arrived and answers as <see cref="Respond"/> says.</summary>
internal sealed class FakeWebhook : FakeHttpServer
{
    public ConcurrentQueue<(IQueryCollection Query, string Body)> Requests { get; } = new();

    /// <summary>Given the request's number (1-based) and body, returns the delay and the reply body.</summary>
    public Func<int, string, (TimeSpan Delay, string Reply)> Respond { get; set; } = (_, _) => (TimeSpan.Zero, "success");

    public Uri Url => new(BaseAddress, "/wechat");

    public static async Task<FakeWebhook> StartAsync()
    {
        var webhook = new FakeWebhook();
        await webhook.StartAsyncCore();
        return webhook;
    }

    protected override void Map(WebApplication app) =>
        app.MapPost("/wechat", async (HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync(request.HttpContext.RequestAborted);
            Requests.Enqueue((request.Query, body));
            var (delay, reply) = Respond(Requests.Count, body);
            await Task.Delay(delay, request.HttpContext.RequestAborted);
            return Results.Text(reply, "text/xml");
        });
}
