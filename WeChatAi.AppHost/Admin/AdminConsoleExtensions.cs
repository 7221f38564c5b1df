using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WeChatAi.AppHost.Secrets;

namespace WeChatAi.AppHost.Admin;

public static class AdminConsoleExtensions
{
    public const string ResourceName = "admin";

    private const string PasswordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>
    /// When running without <c>Parameters:admin-api-key</c> or <c>Parameters:admin-password</c>, makes them up for
    /// this run (the console needs both): the same key for the API and the console, the password for the API, and one
    /// log line telling the developer where to sign in with it. A configured password is never logged; when
    /// publishing both are secret parameters the deployment asks for (<see cref="ExternalSecrets"/>).
    /// The simulator, when there is one, gets the key too: it plays the operator who writes each new user's remark.
    /// Returns how the AppHost itself reads the API's admin key at run time (null when publishing).
    /// </summary>
    public static Func<CancellationToken, ValueTask<string?>>? AddRunCredentialsWhereMissing(
        this IResourceBuilder<ProjectResource> admin, ExternalSecrets secrets, IResourceBuilder<ProjectResource> api,
        IResourceBuilder<ProjectResource>? simulator = null)
    {
        var builder = admin.ApplicationBuilder;
        if (builder.ExecutionContext.IsPublishMode)
        {
            return null;
        }

        Func<CancellationToken, ValueTask<string?>> adminKey;
        if (secrets.Parameter(ExternalSecrets.AdminKey) is { } configured)
        {
            adminKey = configured.GetValueAsync;
            if (simulator is not null)
            {
                secrets.ApplyTo(simulator, ExternalSecrets.Admin);
            }
        }
        else
        {
            var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            api.WithEnvironment("Admin__ApiKey", key);
            admin.WithEnvironment("Admin__ApiKey", key);
            simulator?.WithEnvironment("Admin__ApiKey", key);
            adminKey = _ => ValueTask.FromResult<string?>(key);
        }

        if (secrets.Has(ExternalSecrets.AdminPassword))
        {
            return adminKey;
        }

        var password = RandomNumberGenerator.GetString(PasswordAlphabet, 16);
        api.WithEnvironment("Admin__Password", password);
        var endpoint = admin.GetEndpoint("http");
        builder.Eventing.Subscribe<ResourceEndpointsAllocatedEvent>(admin.Resource, (@event, _) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("WeChatAi.AppHost");
            LogConsole(logger, endpoint.Url, password, null);
            return Task.CompletedTask;
        });
        return adminKey;
    }

    private static readonly Action<ILogger, string, string, Exception?> LogConsole = LoggerMessage.Define<string, string>(
        LogLevel.Information, new EventId(3, "OperationsConsole"), "Operations console: open {Url}/ and sign in as admin with password {Password}");
}
