namespace WeChatAi.AppHost.Infrastructure;

/// <summary>The two stores every service needs, whatever mode provides them.</summary>
public sealed record WeChatInfrastructure(
    InfrastructureMode Mode,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Database);
