using Microsoft.Extensions.Configuration;
using WeChatAi.AppHost.Infrastructure;

namespace WeChatAi.AppHost.Configuration;

public static class ReplicaExtensions
{
    /// <summary>
    /// Runs the number of replicas <paramref name="setting"/> asks for. The manifest has no replica count, so when
    /// publishing the AppHost says so: the platform's scale settings carry it (docs/deploy.md).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithConfiguredReplicas(
        this IResourceBuilder<ProjectResource> project, string setting, int defaultCount)
    {
        var builder = project.ApplicationBuilder;
        var replicas = builder.Configuration.GetValue(setting, defaultCount);
        if (replicas < 1)
        {
            throw new InvalidOperationException($"{setting} must be at least 1 (it is {replicas}).");
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            builder.LogAtStartup($"{setting} = {replicas} is not in the manifest, which has no replica count: set the minimum replicas of '{project.Resource.Name}' on the platform (docs/deploy.md).");
        }

        return project.WithReplicas(replicas);
    }
}
