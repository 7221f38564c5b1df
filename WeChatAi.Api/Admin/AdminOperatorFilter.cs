namespace WeChatAi.Api.Admin;

/// <summary>
/// After <see cref="AdminKeyFilter"/> on the <c>/api/admin</c> group: refuses a malformed
/// <see cref="AdminAudit.OperatorHeader"/> (400) and keeps the operator it names as the actor of the request's audit rows.
/// </summary>
internal sealed class AdminOperatorFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (AdminAudit.Operator(http.Request, out var error) is { } name)
        {
            http.Features.Set(new AdminOperator(name));
        }

        return error is null ? next(context) : AdminRequests.Refusal(StatusCodes.Status400BadRequest, error);
    }
}

/// <summary>The operator a request acts for (<see cref="AdminAudit.OperatorHeader"/>), set by <see cref="AdminOperatorFilter"/>.</summary>
internal sealed record AdminOperator(string Name);
