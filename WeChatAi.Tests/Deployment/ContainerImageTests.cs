using System.Text.Json;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Deployment;

/// <summary>
/// The image each service project would be published as (<c>dotnet publish -t:PublishContainer</c>, which azd runs),
/// computed offline by the SDK's own <c>ComputeContainerConfig</c> target: building the image needs the base image
/// from a registry, which this machine cannot reach.
/// </summary>
public sealed class ContainerImageTests
{
    [Theory]
    [InlineData("WeChatAi.Api", "wechatai-api", "mcr.microsoft.com/dotnet/aspnet:10.0", "8080")]
    [InlineData("WeChatAi.Worker", "wechatai-worker", "mcr.microsoft.com/dotnet/aspnet:10.0", "8080")]
    [InlineData("WeChatAi.Admin", "wechatai-admin", "mcr.microsoft.com/dotnet/aspnet:10.0", "8080")]
    [InlineData("WeChatAi.MigrationService", "wechatai-migrations", "mcr.microsoft.com/dotnet/runtime:10.0", null)]
    public async Task Service_image_is_named_for_the_app_runs_as_a_non_root_user_and_exposes_its_http_port(
        string project, string repository, string baseImage, string? port)
    {
        using var config = await ComputeContainerConfigAsync(project);
        var properties = config.RootElement.GetProperty("Properties");
        var ports = config.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray()
            .Select(p => p.GetProperty("Identity").GetString()).ToList();

        Assert.Equal(repository, properties.GetProperty("ContainerRepository").GetString());
        Assert.Equal("app", properties.GetProperty("ContainerUser").GetString());
        Assert.Equal(baseImage, properties.GetProperty("ContainerBaseImage").GetString());
        Assert.Equal("linux-x64", properties.GetProperty("ContainerRuntimeIdentifier").GetString());
        Assert.Equal(port is null ? [] : [port], ports);
    }

    private static async Task<JsonDocument> ComputeContainerConfigAsync(string project)
    {
        await using var msbuild = ChildProcess.Start("dotnet",
        [
            "msbuild", Path.Combine(Repository.Root, project, project + ".csproj"), "-t:ComputeContainerConfig", "-nologo", "-nodeReuse:false",
            $"-p:Configuration={Repository.Configuration}",
            "-getProperty:ContainerRepository", "-getProperty:ContainerUser", "-getProperty:ContainerBaseImage",
            "-getProperty:ContainerRuntimeIdentifier", "-getItem:ContainerPort",
        ], new Dictionary<string, string?> { ["MSBUILDDISABLENODEREUSE"] = "1", ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "false" });
        Assert.True(await msbuild.WaitForExitAsync(TimeSpan.FromSeconds(120)), $"msbuild did not finish:\n{msbuild.Output}");
        Assert.True(msbuild.ExitCode == 0, msbuild.Output);
        return JsonDocument.Parse(msbuild.Output);
    }
}
