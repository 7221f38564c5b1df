using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WeChatAi.Tests.Fakes;

/// <summary>
/// WeChat's server API as far as the worker uses it: <c>POST /cgi-bin/stable_token</c>,
/// <c>POST /cgi-bin/message/custom/send</c> and <c>/custom/typing</c> (45081 while typing is shown: 15 s, until a
/// push). Records pushes, typing and token requests, counts calls of the forbidden
/// <c>/cgi-bin/token</c>, and injects errcodes (<see cref="SendFaults"/>; 40001 also invalidates the current token).
/// </summary>
public sealed class FakeWeChatServer : FakeHttpServer
{
    // The answer to every delivered push, serialized once: the benchmark sends 1,000 pushes/s.
    private static readonly byte[] Delivered = """{"errcode":0,"errmsg":"ok"}"""u8.ToArray();

    private readonly ConcurrentDictionary<string, bool> _validTokens = new(StringComparer.Ordinal);
    private long _tokenSerial;
    private long _legacyTokenCalls;

    public ConcurrentQueue<PushedMessage> Messages { get; } = new();

    public ConcurrentQueue<bool> StableTokenRequests { get; } = new();

    /// <summary>Every typing command, with the errcode it got.</summary>
    public ConcurrentQueue<TypingCall> TypingCalls { get; } = new();

    private readonly ConcurrentDictionary<string, DateTimeOffset> _typingSince = new(StringComparer.Ordinal);

    /// <summary>errcodes to answer the next pushes with, in order, instead of delivering them (0: deliver that one).</summary>
    public ConcurrentQueue<int> SendFaults { get; } = new();

    /// <summary>Share of pushes (0–1) refused at random with errcode -1 ("system busy"), besides <see cref="SendFaults"/>.</summary>
    public double SendFaultRate { get; set; }

    /// <summary>Called on every delivered message (the benchmark counts per job there instead of keeping them).</summary>
    public Action<PushedMessage>? OnDelivered { get; set; }

    public bool Record { get; set; } = true;

    /// <summary>
    /// How long a push waits before WeChat processes it. A push whose sender went away meanwhile is not processed
    /// (its connection closed before WeChat answered, as when the worker was killed).
    /// </summary>
    public TimeSpan SendDelay { get; set; } = TimeSpan.Zero;

    private long _sendsWaiting;

    /// <summary>Pushes received and waiting out <see cref="SendDelay"/>.</summary>
    public long SendsWaiting => Interlocked.Read(ref _sendsWaiting);

    public long LegacyTokenCalls => Interlocked.Read(ref _legacyTokenCalls);

    private long _rejectedPushes;

    public long RejectedPushes => Interlocked.Read(ref _rejectedPushes);

    public static async Task<FakeWeChatServer> StartAsync(int port = 0)
    {
        var server = new FakeWeChatServer();
        await server.StartAsyncCore(port);
        return server;
    }

    public IReadOnlyList<string> MessagesTo(string openId) =>
        Messages.Where(m => m.ToUser == openId).Select(m => m.Content).ToList();

    public IReadOnlyList<TypingCall> TypingTo(string openId) => TypingCalls.Where(t => t.ToUser == openId).ToList();

    protected override void Map(WebApplication app)
    {
        app.Map("/cgi-bin/token", () =>
        {
            Interlocked.Increment(ref _legacyTokenCalls);
            return Results.Json(new { errcode = 40164, errmsg = "the worker must use stable_token" });
        });

        app.MapPost("/cgi-bin/stable_token", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var force = body?["force_refresh"]?.GetValue<bool>() ?? false;
            StableTokenRequests.Enqueue(force);
            if (body?["grant_type"]?.GetValue<string>() != "client_credential" || string.IsNullOrEmpty(body["appid"]?.GetValue<string>()))
            {
                return Results.Json(new { errcode = 40013, errmsg = "invalid appid" });
            }

            var current = _validTokens.Keys.FirstOrDefault();
            if (force || current is null)
            {
                _validTokens.Clear();
                current = $"token-{Interlocked.Increment(ref _tokenSerial)}";
                _validTokens[current] = true;
            }

            return Results.Json(new { access_token = current, expires_in = 7200 });
        });

        app.MapPost("/cgi-bin/message/custom/typing", async (HttpContext context) =>
        {
            var token = context.Request.Query["access_token"].ToString();
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var toUser = body?["touser"]?.GetValue<string>() ?? string.Empty;
            var command = body?["command"]?.GetValue<string>() ?? string.Empty;
            var now = DateTimeOffset.UtcNow;
            var errcode = !_validTokens.ContainsKey(token) ? 40001
                : command != "Typing" ? 0
                : _typingSince.TryGetValue(toUser, out var since) && now - since < TimeSpan.FromSeconds(15) ? 45081
                : 0;
            if (errcode == 0 && command == "Typing")
            {
                _typingSince[toUser] = now;
            }

            TypingCalls.Enqueue(new TypingCall(toUser, command, errcode, now));
            return Results.Json(new { errcode, errmsg = errcode == 0 ? "ok" : "refused" });
        });

        app.MapPost("/cgi-bin/message/custom/send", async (HttpContext context) =>
        {
            var token = context.Request.Query["access_token"].ToString();
            string toUser;
            string msgType;
            string content;
            using (var body = await JsonDocument.ParseAsync(context.Request.Body))
            {
                var root = body.RootElement;
                toUser = root.GetProperty("touser").GetString()!;
                msgType = root.GetProperty("msgtype").GetString()!;
                content = root.TryGetProperty("text", out var text) && text.TryGetProperty("content", out var value)
                    ? value.GetString() ?? string.Empty
                    : string.Empty;
            }

            if (SendDelay > TimeSpan.Zero)
            {
                Interlocked.Increment(ref _sendsWaiting);
                try
                {
                    await Task.Delay(SendDelay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return Results.Empty;
                }
                finally
                {
                    Interlocked.Decrement(ref _sendsWaiting);
                }
            }

            var fault = SendFaults.TryDequeue(out var queued) ? queued
                : SendFaultRate > 0 && Random.Shared.NextDouble() < SendFaultRate ? -1
                : 0;
            if (fault != 0)
            {
                Interlocked.Increment(ref _rejectedPushes);
                if (fault == 40001)
                {
                    _validTokens.Clear(); // the token was invalidated (e.g. someone called /cgi-bin/token)
                }

                return Results.Json(new { errcode = fault, errmsg = "injected fault" });
            }

            if (!_validTokens.ContainsKey(token))
            {
                Interlocked.Increment(ref _rejectedPushes);
                return Results.Json(new { errcode = 40001, errmsg = "invalid credential" });
            }

            _typingSince.TryRemove(toUser, out _); // a message ends the typing state
            var message = new PushedMessage(toUser, msgType, content, token, DateTimeOffset.UtcNow);
            if (Record)
            {
                Messages.Enqueue(message);
            }

            OnDelivered?.Invoke(message);
            return Results.Bytes(Delivered, "application/json");
        });
    }
}

public sealed record TypingCall(string ToUser, string Command, int ErrCode, DateTimeOffset At);

public sealed record PushedMessage(string ToUser, string MsgType, string Content, string AccessToken, DateTimeOffset At);
