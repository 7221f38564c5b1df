namespace WeChatAi.AppHost.Infrastructure;

/// <summary>Where Redis and PostgreSQL come from (<c>Infrastructure:Mode</c>).</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, otherwise local processes.</summary>
    Auto,

    /// <summary>Aspire's Redis and PostgreSQL containers with data volumes.</summary>
    Containers,

    /// <summary><c>redis-server</c> and <c>postgres</c> from this machine, run as Aspire resources.</summary>
    Local,

    /// <summary>Managed services given as <c>ConnectionStrings:redis</c> and <c>ConnectionStrings:wechatdb</c>.</summary>
    External,
}
