using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WeChatAi.Tests.Fakes;

/// <summary>An OTLP/HTTP collector (any dashboard or vendor endpoint): records each export without decoding it.</summary>
public sealed class FakeOtlpCollector : FakeHttpServer
{
    public ConcurrentQueue<OtlpExport> Exports { get; } = new();

    public static async Task<FakeOtlpCollector> StartAsync()
    {
        var collector = new FakeOtlpCollector();
        await collector.StartAsyncCore();
        return collector;
    }

    protected override void Map(WebApplication app)
    {
        app.MapPost("/v1/{signal}", async (string signal, HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            Exports.Enqueue(new OtlpExport(signal, context.Request.ContentType, context.Request.Headers["x-otlp-api-key"].ToString(), body.ToArray()));
            // An empty ExportServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
    }
}

public sealed record OtlpExport(string Signal, string? ContentType, string ApiKey, byte[] Body);
