namespace WeChatAi.AppHost.Infrastructure;

/// <summary>The two stores every service needs, whatever mode provides them.</summary>
/// <param name="DataDirectory">In local mode, the folder holding Redis's and PostgreSQL's data (and the simulator's state); otherwise null.</param>
public sealed record WeChatInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Database,
    string? DataDirectory = null);
