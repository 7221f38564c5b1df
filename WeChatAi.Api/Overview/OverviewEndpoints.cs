using WeChatAi.Api.HttpApi;
using WeChatAi.Api.Overview;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>The console's overview, <c>GET {admin}/overview</c> (docs/console-overview.md, <see cref="OverviewApi"/>).</summary>
public static class OverviewEndpoints
{
    /// <summary>How long one reading is served before the stores are asked again (the console asks every 3 s).</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(2);

    /// <summary><c>Llm:PricePer1kTokens</c> (validated at startup), the reader and its shared reading.</summary>
    public static TBuilder AddOverview<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<LlmPriceOptions>(LlmPriceOptions.Section);
        builder.Services.AddSingleton<OverviewReader>();
        builder.Services.AddSingleton(_ => new ShortCache<OverviewSnapshot>(CacheDuration, TimeProvider.System));
        return builder;
    }

    public static RouteGroupBuilder MapOverviewEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGroup("/overview").MapGet("/", OverviewApi.GetAsync)
            .WithStoreOutage("The overview's store (Redis) is unavailable: no figures can be read.").WithName("GetOverview");
        return admin;
    }
}
