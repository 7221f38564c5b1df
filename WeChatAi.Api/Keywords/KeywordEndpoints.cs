using WeChatAi.Api.Keywords;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{admin}/keywords</c>: <c>GET</c> (list), <c>POST</c> (create), <c>PUT /{id}</c> (replace), <c>DELETE /{id}</c>
/// (<see cref="KeywordApi"/>).
/// </summary>
public static class KeywordEndpoints
{
    public static RouteGroupBuilder MapKeywordEndpoints(this RouteGroupBuilder admin)
    {
        var rules = admin.MapGroup("/keywords")
            .WithStoreOutage("The rule store (PostgreSQL or Redis) is unavailable; nothing was changed unless a later GET shows it.");
        rules.MapGet("/", KeywordApi.ListAsync).WithName("ListKeywordRules");
        rules.MapPost("/", KeywordApi.CreateAsync).Accepts<KeywordRuleRequest>("application/json").WithName("CreateKeywordRule");
        rules.MapPut("/{id:long}", KeywordApi.UpdateAsync).Accepts<KeywordRuleRequest>("application/json").WithName("UpdateKeywordRule");
        rules.MapDelete("/{id:long}", KeywordApi.DeleteAsync).WithName("DeleteKeywordRule");
        return admin;
    }
}
