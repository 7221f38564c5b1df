using WeChatAi.Api.Admin;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The operators' API: <c>/api/admin</c>, mapped once, behind <c>Admin:ApiKey</c> (<see cref="AdminKeyFilter"/>) with the
/// operator of the audit rows read from <c>X-Admin-Operator</c> (<see cref="AdminOperatorFilter"/>). Each feature adds
/// its routes to the group <see cref="MapAdminApi"/> returns (<c>admin.MapKeywordEndpoints()</c>), never a group of its own.
/// </summary>
public static class AdminExtensions
{
    /// <summary>The <c>Admin</c> settings (validated at startup) and the audit rows.</summary>
    public static TBuilder AddAdmin<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<AdminOptions>(AdminOptions.Section);
        builder.Services.AddSingleton<AdminAudit>();
        return builder;
    }

    /// <summary>The <c>{api}/admin</c> group, behind the admin key; map every operator endpoint on it.</summary>
    public static RouteGroupBuilder MapAdminApi(this RouteGroupBuilder api) =>
        api.MapGroup("/admin").RequireAdminKey().AddEndpointFilter<AdminOperatorFilter>();

    /// <summary>
    /// Behind <c>Admin:ApiKey</c> (<see cref="AdminKeyFilter"/>, marked with <see cref="AdminKeyMetadata"/>), with its
    /// refusals in the contract: 401 without the right key, 503 while no key is configured.
    /// </summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, AdminKeyFilter>()
            .WithMetadata(AdminKeyMetadata.Instance)
            .WithProblemResponse(StatusCodes.Status401Unauthorized)
            .WithProblemResponse(StatusCodes.Status503ServiceUnavailable);

    /// <summary><c>GET {admin}/audit?count&amp;before&amp;actor&amp;action&amp;target</c>: the operators' changes, newest first.</summary>
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGroup("/audit").MapGet("/", AuditApi.ListAsync)
            .WithStoreOutage("The audit store (PostgreSQL) is unavailable.").WithName("ListAudit");
        return admin;
    }
}
