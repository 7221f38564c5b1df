using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Api.Commands;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class CommandExtensions
{
    /// <summary>The commands (<c>关于</c>, <c>帮助</c>, <c>新对话</c>), their catalog and <c>Commands</c> settings (<c>Compliance</c> is the webhook's).</summary>
    public static TBuilder AddChatCommands<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<CommandOptions>(CommandOptions.Section);

        builder.Services.AddChatCommand<NewConversationCommand>();
        builder.Services.AddChatCommand<HelpCommand>();
        builder.Services.AddChatCommand<AboutCommand>();
        builder.Services.TryAddSingleton<CommandCatalog>();
        return builder;
    }

    /// <summary>Adds a command: its words and menu key answer at once, and the help text lists it.</summary>
    public static IServiceCollection AddChatCommand<TCommand>(this IServiceCollection services) where TCommand : class, IChatCommand
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatCommand, TCommand>());
        return services;
    }
}
