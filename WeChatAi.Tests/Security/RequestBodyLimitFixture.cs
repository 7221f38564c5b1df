using System.Net;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Every endpoint that reads a body, really running: the API (webhook, WeChat Pay's notifications against a fake
/// WeChat Pay, the admin API with a console operator) on a real Redis and PostgreSQL, and the console in front of it.
/// </summary>
public sealed class RequestBodyLimitFixture(PostgresServer postgres) : IAsyncLifetime
{
    public const string Token = "limits-token";
    public const string AppId = "wxlimits";
    public const string AdminKey = "limits-admin-key-0123456789";
    public const string Password = "limits-password-123";

    private RedisServer? _redis;

    internal ServiceProcess Api { get; private set; } = null!;

    internal ServiceProcess Console { get; private set; } = null!;

    public FakeWeChatPayServer Pay { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var database = await postgres.CreateMigratedDatabaseAsync();
        Pay = await FakeWeChatPayServer.StartAsync();
        var environment = new Dictionary<string, string?>(Pay.Settings("https://ai.example.com/api/pay/notify"))
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = AppId,
            ["WeChat__AckMode"] = "text",
            ["Admin__ApiKey"] = AdminKey,
            ["Admin__Password"] = Password,
        };
        Api = await ServiceProcess.StartAsync("WeChatAi.Api", environment);
        Console = await ServiceProcess.StartAsync("WeChatAi.Admin", new Dictionary<string, string?>
        {
            ["Admin__ApiKey"] = AdminKey,
            ["Admin__ApiUrl"] = Api.BaseAddress.ToString(),
        });
    }

    /// <summary>A request as the console sends it to the API: the key and the signed-in operator.</summary>
    public static HttpRequestMessage AdminRequest(HttpMethod method, string path, HttpContent content)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Add("X-Admin-Key", AdminKey);
        request.Headers.Add("X-Admin-Operator", "admin");
        return request;
    }

    /// <summary>Sends <paramref name="request"/> to the API; returns the status and the body.</summary>
    internal async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpRequestMessage request, ServiceProcess? to = null)
    {
        using (request)
        {
            using var response = await (to ?? Api).Client.SendAsync(request, TestContext.Current.CancellationToken);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Console is not null)
        {
            await Console.DisposeAsync();
        }

        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        if (Pay is not null)
        {
            await Pay.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>
/// A 2 MiB upload with no Content-Length (Transfer-Encoding: chunked) over a plain TCP connection, written 16 KB a
/// chunk: <c>prefix</c>, then filler. After <see cref="SentBeforeAnswer"/> bytes the client stops and waits for the
/// answer (at most 30 s): a server that answers then did not wait for the rest, so it holds none of it. (HttpClient
/// would not hand over an answer before its request body is all sent.)
/// </summary>
internal static class ChunkedUpload
{
    public const int TotalBytes = 2 * 1024 * 1024;
    public const int SentBeforeAnswer = 256 * 1024;

    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(
        Uri server, string method, string pathAndQuery, string contentType, string prefix, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        var head = new System.Text.StringBuilder()
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"{method} {pathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            head.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), TestContext.Current.CancellationToken);
        var filler = new byte[16 * 1024];
        Array.Fill(filler, (byte)'x');
        var sent = await WriteChunkAsync(stream, System.Text.Encoding.UTF8.GetBytes(prefix));
        while (sent < SentBeforeAnswer)
        {
            sent += await WriteChunkAsync(stream, filler);
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        byte[] answer;
        try
        {
            answer = await ReadAnswerAsync(stream, wait.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"No answer after {sent:N0} of {TotalBytes:N0} bytes: the server waits to read the whole body.");
        }

        // The rest of the 2 MiB, as the client would go on sending; the server has stopped reading.
        try
        {
            while (sent < TotalBytes)
            {
                sent += await WriteChunkAsync(stream, filler);
            }
        }
        catch (IOException)
        {
        }

        return Parse(answer);
    }

    /// <summary>
    /// Sends only a request's head declaring a <paramref name="contentLength"/> body and reads the answer: a server
    /// that refuses a declared size answers before any of it arrives. (HttpClient would write the body meanwhile and
    /// can meet the server's closed connection, a broken pipe, instead of its 413.)
    /// </summary>
    public static async Task<(HttpStatusCode Status, string Body)> SendDeclaredAsync(
        Uri server, string method, string pathAndQuery, string contentType, long contentLength, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, TestContext.Current.CancellationToken);
        var stream = tcp.GetStream();
        var head = new System.Text.StringBuilder()
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"{method} {pathAndQuery} HTTP/1.1\r\nHost: {server.Authority}\r\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nContent-Length: {contentLength}\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            head.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), TestContext.Current.CancellationToken);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        return Parse(await ReadAnswerAsync(stream, wait.Token));
    }

    private static async Task<int> WriteChunkAsync(System.Net.Sockets.NetworkStream stream, byte[] data)
    {
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{data.Length:X}\r\n"));
        await stream.WriteAsync(data);
        await stream.WriteAsync("\r\n"u8.ToArray());
        return data.Length;
    }

    /// <summary>Reads until the answer is complete: its Content-Length, its last chunk, or the server closing.</summary>
    private static async Task<byte[]> ReadAnswerAsync(System.Net.Sockets.NetworkStream stream, CancellationToken cancellationToken)
    {
        using var answer = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while (!IsComplete(answer.ToArray()) && (read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            answer.Write(buffer, 0, read);
        }

        return answer.ToArray();
    }

    private static bool IsComplete(byte[] answer)
    {
        var text = System.Text.Encoding.UTF8.GetString(answer);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var headers = text[..end];
        var length = System.Text.RegularExpressions.Regex.Match(headers, @"(?im)^content-length:\s*(\d+)");
        return length.Success
            ? answer.Length - System.Text.Encoding.UTF8.GetByteCount(text[..(end + 4)]) >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }

    private static (HttpStatusCode Status, string Body) Parse(byte[] answer)
    {
        var text = System.Text.Encoding.UTF8.GetString(answer);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var status = (HttpStatusCode)int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = text[(end + 4)..];
        if (System.Text.RegularExpressions.Regex.IsMatch(text[..end], @"(?im)^transfer-encoding:\s*chunked"))
        {
            var decoded = new System.Text.StringBuilder();
            var at = 0;
            while (true)
            {
                var line = body.IndexOf("\r\n", at, StringComparison.Ordinal);
                var size = Convert.ToInt32(body[at..line], 16);
                if (size == 0)
                {
                    break;
                }

                decoded.Append(body, line + 2, size);
                at = line + 2 + size + 2;
            }

            body = decoded.ToString();
        }

        return (status, body);
    }
}
