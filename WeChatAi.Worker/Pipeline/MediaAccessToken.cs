using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Media;

namespace WeChatAi.Worker.Pipeline;

/// <summary>Media downloads use the delivery's shared access token: one token per account, fetched by one worker at a time.</summary>
internal sealed class MediaAccessToken(AccessTokenProvider tokens) : IMediaAccessToken
{
    public Task<string> GetAsync(CancellationToken cancellationToken) => tokens.GetAsync(cancellationToken);

    public Task<string> RenewAsync(string rejected, CancellationToken cancellationToken) => tokens.RenewAsync(rejected, cancellationToken);
}
