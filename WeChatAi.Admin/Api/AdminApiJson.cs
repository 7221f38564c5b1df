using System.Text.Json;

namespace WeChatAi.Admin.Api;

/// <summary>The API's JSON: <c>JsonSerializerDefaults.Web</c> (camelCase), as every admin endpoint writes it.</summary>
internal static class AdminApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
