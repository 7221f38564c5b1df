using WeChatAi.Core.WeChatApi;
using WeChatAi.Worker.Media;

namespace WeChatAi.Worker.Pipeline;

/// <summary>Media downloads use the shared access token (Core): one token per account, fetched by one instance at a time.</summary>
internal sealed class MediaAccessToken(AccessTokenProvider tokens) : IMediaAccessToken
{
    public Task<string> GetAsync(CancellationToken cancellationToken) => tokens.GetAsync(cancellationToken);

    public Task<string> RenewAsync(string rejected, CancellationToken cancellationToken) => tokens.RenewAsync(rejected, cancellationToken);
}
