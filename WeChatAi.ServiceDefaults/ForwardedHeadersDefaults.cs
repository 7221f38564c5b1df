using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Section <c>ForwardedHeaders</c>: the proxies (a platform's ingress, a load balancer) whose <c>X-Forwarded-For</c>
/// and <c>X-Forwarded-Proto</c> are believed, so per-IP limits see the client rather than the proxy.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>10.0.0.4</c>.</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>10.0.0.0/16</c>.</summary>
    public IList<string> KnownNetworks { get; } = [];
}

internal sealed class ForwardedHeadersSettingsValidation : IValidateOptions<ForwardedHeadersSettings>
{
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        var errors = options.KnownProxies.Where(p => !IPAddress.TryParse(p, out _))
            .Select(p => $"ForwardedHeaders:KnownProxies has '{p}', which is not an IP address.")
            .Concat(options.KnownNetworks.Where(n => !IPNetwork.TryParse(n, out _))
                .Select(n => $"ForwardedHeaders:KnownNetworks has '{n}', which is not a network in CIDR notation (e.g. 10.0.0.0/16)."))
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static class ForwardedHeadersDefaults
{
    /// <summary><c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> as the host reads it (its prefix removed).</summary>
    private const string PlatformIngressKey = "FORWARDEDHEADERS_ENABLED";

    /// <summary>
    /// Believes <c>X-Forwarded-For</c>/<c>-Proto</c> from the configured proxies only; with none configured, from nobody
    /// (not even loopback, ASP.NET Core's default: behind a TCP proxy or tunnel every caller is a loopback peer and would
    /// choose its own address), unless <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> (which Aspire's manifest sets for
    /// Container Apps, whose ingress addresses are not known in advance and the only way in): then from any peer.
    /// Only the last address is taken (ForwardLimit 1): the one the nearest proxy appended, which a client cannot forge.
    /// </summary>
    public static TBuilder AddForwardedHeaders<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var platformIngress = builder.Configuration.GetValue<bool>(PlatformIngressKey);
        builder.Services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ForwardedHeadersSettings>, ForwardedHeadersSettingsValidation>();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((options, settings) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.ForwardLimit = 1;
            var configured = settings.Value;
            if (configured.KnownProxies.Count + configured.KnownNetworks.Count > 0)
            {
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
                foreach (var proxy in configured.KnownProxies)
                {
                    options.KnownProxies.Add(IPAddress.Parse(proxy));
                }

                foreach (var network in configured.KnownNetworks)
                {
                    options.KnownIPNetworks.Add(IPNetwork.Parse(network));
                }
            }
            else if (!platformIngress)
            {
                options.ForwardedHeaders = ForwardedHeaders.None;
            }
        });
        builder.Services.AddTransient<IStartupFilter, ForwardedHeadersFirst>();
        return builder;
    }

    /// <summary>
    /// Puts the middleware first, before rate limiting and routing read the client's address. UseForwardedHeaders adds
    /// it once per pipeline, so with ASPNETCORE_FORWARDEDHEADERS_ENABLED (whose startup filter adds it too) each
    /// request is still processed once: a second pass would take a second, forgeable address from the header.
    /// </summary>
    private sealed class ForwardedHeadersFirst : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders();
            next(app);
        };
    }
}
