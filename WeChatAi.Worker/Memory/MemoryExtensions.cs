using WeChatAi.Worker.Memory;
using WeChatAi.Worker.Common;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class MemoryExtensions
{
    /// <summary>The users' conversation memory in Redis (section <c>Memory</c>).</summary>
    public static TBuilder AddConversationMemory<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<MemoryOptions>(MemoryOptions.Section);
        builder.Services.AddSingleton<ConversationMemory>();
        return builder;
    }
}
