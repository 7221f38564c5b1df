using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using WeChatAi.Admin.Api;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class AdminApiExtensions
{
    public const string KeyHeader = "X-Admin-Key";

    /// <summary>
    /// The typed <see cref="AdminApi"/> client: the API's address (service discovery) and <c>X-Admin-Key</c> from the
    /// validated <c>Admin</c> settings. Only reads are retried: a grant or a refund that timed out may have happened.
    /// </summary>
    public static TBuilder AddAdminApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<AdminApiOptions>()
            .BindConfiguration(AdminApiOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is the documented way to replace the defaults' handler.
        builder.Services.AddHttpClient<AdminApi>(ToApi)
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
#pragma warning restore EXTEXP0001
        return builder;
    }

    /// <summary>The API's address and <c>X-Admin-Key</c>, for every client of the API.</summary>
    public static void ToApi(IServiceProvider services, HttpClient http)
    {
        var settings = services.GetRequiredService<IOptions<AdminApiOptions>>().Value;
        http.BaseAddress = new Uri(settings.ApiUrl);
        http.DefaultRequestHeaders.Add(KeyHeader, settings.ApiKey);
    }
}
