using System.Text;
using Microsoft.Extensions.Options;

namespace WeChatAi.Simulator.Browser;

/// <summary>
/// The "WeChat browser": every path the simulator does not serve itself is the API's (its <c>Api:PublicBaseUrl</c>
/// points here), fetched with WeChat's user agent and, for HTML, with the <c>WeixinJSBridge</c> script WeChat's
/// in-app browser injects. The API's pages need no simulator-only code: they see what a phone in WeChat shows them.
/// </summary>
internal static class BrowserProxy
{
    public const string BridgeScript = "/sim/wechat-bridge.js";
    private const string UserAgentSuffix = " MicroMessenger/8.0.50.2701(0x28003252) NetType/WIFI Language/zh_CN";
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Proxy-Connection",
    };

    public static void MapWeChatBrowser(this WebApplication app)
    {
        using (var stream = typeof(BrowserProxy).Assembly.GetManifestResourceStream("wechat-bridge.js")!)
        using (var reader = new StreamReader(stream))
        {
            var bridge = reader.ReadToEnd();
            app.MapGet(BridgeScript, () => Results.Text(bridge, "text/javascript; charset=utf-8"));
        }

        app.MapPost("/sim/browser/user", (BrowserUser user, SimulatedBrowser browser) =>
        {
            browser.OpenId = string.IsNullOrWhiteSpace(user.OpenId) ? null : user.OpenId;
            return Results.NoContent();
        });
        // Files too (the pages' scripts): the default fallback pattern skips paths with an extension.
        app.MapFallback("{**path}", ForwardAsync);
    }

    private sealed record BrowserUser(string? OpenId);

    private static async Task ForwardAsync(HttpContext context, IHttpClientFactory clients, IOptions<SimulatorOptions> options)
    {
        var api = new Uri(options.Value.WebhookUrl, "/");
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(api, context.Request.Path + context.Request.QueryString));
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            var value = name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase) ? values + UserAgentSuffix : values.ToString();
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (!context.Request.Headers.ContainsKey("User-Agent"))
        {
            request.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (iPhone)" + UserAgentSuffix);
        }

        // The API sees the page's real origin, as behind any reverse proxy.
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", context.Request.Host.Value);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", context.Request.Scheme);

        using var response = await clients.CreateClient(nameof(BrowserProxy)).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        if (response.Headers.Location is { IsAbsoluteUri: true } location && location.Authority == api.Authority)
        {
            // The API's own address stays behind the browser.
            context.Response.Headers.Location = location.PathAndQuery;
        }

        if (response.Content.Headers.ContentType?.MediaType == "text/html")
        {
            var html = await response.Content.ReadAsStringAsync(context.RequestAborted);
            var head = html.IndexOf("<head>", StringComparison.OrdinalIgnoreCase);
            var script = $"<script src=\"{BridgeScript}\"></script>";
            html = head >= 0 ? html.Insert(head + "<head>".Length, script) : script + html;
            await context.Response.WriteAsync(html, Encoding.UTF8, context.RequestAborted);
            return;
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
