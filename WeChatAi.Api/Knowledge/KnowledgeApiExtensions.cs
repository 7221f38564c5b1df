using Microsoft.Extensions.DependencyInjection.Extensions;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class KnowledgeApiExtensions
{
    /// <summary>The knowledge base's admin API and the keyword index its search reads (Core's <c>AddKnowledgeSearch</c>).</summary>
    public static TBuilder AddKnowledge<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddKnowledgeSearch();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
