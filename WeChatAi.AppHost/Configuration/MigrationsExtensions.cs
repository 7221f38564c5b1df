namespace WeChatAi.AppHost.Configuration;

public static class MigrationsExtensions
{
    /// <summary>
    /// Container platforms (Azure Container Apps among them) restart a container that exits, even with code 0, and
    /// the manifest cannot say "run once". So the published migration service stays up after migrating
    /// (<c>Migrations:KeepRunning</c>) instead of migrating again in a loop; a failed migration still exits non-zero
    /// and is retried. Under the AppHost it exits, and the services wait for that.
    /// </summary>
    public static IResourceBuilder<ProjectResource> KeepsRunningWhenPublished(this IResourceBuilder<ProjectResource> migrations) =>
        migrations.ApplicationBuilder.ExecutionContext.IsPublishMode
            ? migrations.WithEnvironment("Migrations__KeepRunning", "true")
            : migrations;
}
