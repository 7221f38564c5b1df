using Microsoft.AspNetCore.Http.Features;
using StackExchange.Redis;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// The <c>/wechat</c> endpoint: URL verification (GET) and message pushes (POST) in plaintext, compatible and
/// safe mode. Every request is authenticated before its handler runs (<see cref="WebhookAuthentication"/>, an endpoint
/// filter); <see cref="WebhookDispatch"/> finds the answer; every reply is a passive reply that WeChat shows the user
/// at once (or <c>success</c>, which shows nothing).
/// </summary>
internal sealed class WeChatWebhook(WebhookDispatch dispatch, TimeProvider time, ILogger<WeChatWebhook> logger)
{
    private static readonly TextReply SuccessReply = new(WeChatReply.Success, TextReply.Plain);
    private static readonly TextReply RedisUnavailableReply = new("Redis is unavailable; try again.", TextReply.Plain, StatusCodes.Status503ServiceUnavailable);
    private static readonly TextReply SignedQueryReusedReply = new(
        "This signature/timestamp/nonce already came with a different body; a signed query string admits one message.", TextReply.Plain, StatusCodes.Status401Unauthorized);

    /// <summary>GET: WeChat checks that we know the token before it enables the server URL.</summary>
    public static IResult Verify(HttpContext context) => new TextReply(context.Request.Query["echostr"].ToString(), TextReply.Plain);

    /// <summary>POST: a user message or event.</summary>
    public async Task<IResult> ReceiveAsync(HttpContext context)
    {
        var push = context.Features.GetRequiredFeature<AuthenticatedPush>();
        WebhookAnswer answer;
        try
        {
            answer = await dispatch.AnswerAsync(push, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Redis away longer than MessageAdmission.RedisWait (or the API stopping): a quick, explicit failure
            // instead of a 500 or WeChat's timeout. The message may still be enqueued; WeChat's retry is then de-duplicated.
            WebhookLog.RedisUnavailable(logger, ex.GetType().Name);
            return RedisUnavailableReply;
        }

        if (answer.SignedQueryReused)
        {
            WebhookLog.SignedQueryReused(logger);
            return SignedQueryReusedReply;
        }

        if (answer.LetWeChatRetry)
        {
            // Passive mode, answer not ready yet: no response makes WeChat send the same message again.
            context.Abort();
            return TypedResults.Empty;
        }

        var inbound = push.Inbound;
        if (answer.TransfersToCustomerService)
        {
            return new TextReply(push.Seal(WeChatReply.TransferCustomerService(inbound.FromUserName, inbound.ToUserName, time.GetUtcNow().ToUnixTimeSeconds())), TextReply.Xml);
        }

        if (answer.Text is null)
        {
            return SuccessReply;
        }

        string reply = WeChatReply.Text(inbound.FromUserName, inbound.ToUserName, time.GetUtcNow().ToUnixTimeSeconds(), answer.Text);
        return new TextReply(push.Seal(reply), TextReply.Xml);
    }
}
