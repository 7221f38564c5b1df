using Microsoft.Extensions.DependencyInjection;

// In the builder's namespace, like the service defaults' extensions.
namespace Microsoft.Extensions.Hosting;

public static class ValidatedOptionsExtensions
{
    /// <summary>
    /// Binds a settings section and checks its attributes at startup, so a bad value stops the service naming it. Several
    /// features may read one section (WeChat, Compliance): it is bound and validated once, however many of them add it.
    /// </summary>
    public static void AddValidatedOptions<TOptions>(this IHostApplicationBuilder builder, string section) where TOptions : class
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(ValidatedSection<TOptions>)))
        {
            return;
        }

        builder.Services.AddSingleton<ValidatedSection<TOptions>>();
        builder.Services.AddOptions<TOptions>()
            .BindConfiguration(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }

    /// <summary>Marks a section as added.</summary>
    private sealed class ValidatedSection<TOptions>;
}
