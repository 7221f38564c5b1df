using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Contract;

/// <summary>
/// The API's OpenAPI document is published in the repository (<c>docs/openapi/v1.json</c>): the document the API
/// serves must equal it, so a changed endpoint or record changes the file in the same commit. Served openly with
/// Scalar's page only in Development; elsewhere the document wants the admin key and there is no page.
/// </summary>
public sealed class ApiContractTests(PostgresServer postgres)
{
    private const string DocumentPath = "/openapi/v1.json";

    /// <summary>Set to 1 to write the API's document into the file instead of comparing (then review and commit the diff).</summary>
    private const string UpdateVariable = "OPENAPI_UPDATE";

    internal static string PublishedFile { get; } = Path.Combine(Repository.Root, "docs", "openapi", "v1.json");

    [Fact]
    public async Task The_served_document_is_the_published_one()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = new HostedApi(redis.ConnectionString, await postgres.CreateMigratedDatabaseAsync());
        using var client = api.CreateClient();

        using var refused = await client.GetAsync(DocumentPath, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var noPage = await client.GetAsync("/scalar/v1", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, noPage.StatusCode);

        client.DefaultRequestHeaders.Add("X-Admin-Key", Admin.AdminApi.Key);
        var served = Normalised(await client.GetStringAsync(DocumentPath, TestContext.Current.CancellationToken));
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(PublishedFile)!);
            await File.WriteAllTextAsync(PublishedFile, served, TestContext.Current.CancellationToken);
        }

        var published = File.Exists(PublishedFile) ? Normalised(await File.ReadAllTextAsync(PublishedFile, TestContext.Current.CancellationToken)) : "";
        if (served != published)
        {
            Assert.Fail(FirstDifference(published, served));
        }
    }

    [Fact]
    public async Task Development_serves_the_document_and_the_reference_page_without_the_key()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = new HostedApi(redis.ConnectionString, await postgres.CreateMigratedDatabaseAsync(), "Development");
        using var client = api.CreateClient();

        var document = JsonNode.Parse(await client.GetStringAsync(DocumentPath, TestContext.Current.CancellationToken))!;
        Assert.Equal("apiKey", (string?)document["components"]!["securitySchemes"]!["AdminKey"]!["type"]);
        Assert.Contains("/api/admin/keywords", document["paths"]!.AsObject().Select(p => p.Key));
        var page = await client.GetStringAsync("/scalar/v1", TestContext.Current.CancellationToken);
        Assert.Contains("\"url\":\"openapi/v1.json\"", page, StringComparison.Ordinal); // relative to the app's base, which the page finds
    }

    /// <summary>The JSON re-indented the same way on both sides, so only content differs.</summary>
    internal static string Normalised(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    private static string FirstDifference(string published, string served)
    {
        var (before, after) = (published.Split('\n'), served.Split('\n'));
        var line = Enumerable.Range(0, Math.Max(before.Length, after.Length))
            .First(i => i >= before.Length || i >= after.Length || before[i] != after[i]);
        return $"""
            The API's OpenAPI document differs from {Path.GetRelativePath(Repository.Root, PublishedFile)} at line {line + 1}:
              file: {(line < before.Length ? before[line].Trim() : "(end)")}
              API:  {(line < after.Length ? after[line].Trim() : "(end)")}
            If the change is intended, regenerate the file and commit it with the change:
              {UpdateVariable}=1 dotnet test --project WeChatAi.Tests -- --filter-class "WeChatAi.Tests.Contract.ApiContractTests"
            """;
    }
}
