using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Conversations;

/// <summary>
/// On the <c>/api/admin/users</c> group: users belong to the configured account, so without <c>WeChat:AppId</c> there
/// are none to show or change (503); behind it the handlers read <c>WeChat:AppId</c> as set.
/// </summary>
internal sealed class AccountFilter(IOptions<WeChatOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        options.Value.AppId is { Length: > 0 }
            ? next(context)
            : AdminRequests.Refusal(StatusCodes.Status503ServiceUnavailable, "WeChat:AppId is not configured, so there are no users to show.");
}
