using System.Text;
using WeChatAi.Core.WeChat;

/// <summary>
/// The yardstick for <c>bench/webhook.sh</c>: Kestrel answering the same <c>POST /wechat</c> with a passive
/// reply of the same size, and nothing else (no signature, XML, Redis, telemetry or logging). Run on the same machine
/// in the same minutes, it shows what the host gives plain HTTP today, since the host's speed varies by 2x over hours.
/// </summary>
internal static class BareKestrel
{
    public static async Task<int> RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();

        var reply = Encoding.UTF8.GetBytes(WeChatReply.Text("o_bench_00000", "gh_bench", 1714037059, "正在思考中..."));
        app.MapPost("/wechat", async (HttpContext context) =>
        {
            // Reads the whole body, as the webhook does, then answers.
            var body = context.Request.BodyReader;
            while (true)
            {
                var read = await body.ReadAsync();
                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            context.Response.ContentType = "text/xml; charset=utf-8";
            context.Response.ContentLength = reply.Length;
            await context.Response.Body.WriteAsync(reply);
        });
        app.MapGet("/alive", () => "ok");
        await app.RunAsync();
        return 0;
    }
}
