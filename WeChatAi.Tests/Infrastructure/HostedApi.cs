using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using WeChatAi.Api.Admin;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// The API in-process on a test server, configured like <see cref="Admin.AdminApi"/>'s process (named by one of its
/// public types: the console's <c>Program</c> has the same name), in Production unless told otherwise.
/// </summary>
internal sealed class HostedApi(string redis, string database, string environment = "Production") : WebApplicationFactory<AdminKeyMetadata>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("ConnectionStrings:redis", redis);
        builder.UseSetting("ConnectionStrings:wechatdb", database);
        builder.UseSetting("Admin:ApiKey", Admin.AdminApi.Key);
    }
}
