using System.Reflection;
using Microsoft.OpenApi;

namespace WeChatAi.Api.OpenApi;

/// <summary>An endpoint that reads a multipart form itself (no binding): its fields, for the contract.</summary>
internal sealed record MultipartFormMetadata(Type Form);

internal static class MultipartForm
{
    public const string ContentType = "multipart/form-data";

    /// <summary>
    /// The endpoint also accepts <c>multipart/form-data</c> with the fields of <typeparamref name="TForm"/>'s properties
    /// (an <see cref="IFormFile"/> is a binary file; a nullable one optional). Its JSON body stays <typeparamref name="TJson"/>.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJsonOrForm<TJson, TForm>(this RouteHandlerBuilder builder) =>
        builder.Accepts(typeof(TJson), "application/json", ContentType).WithMetadata(new MultipartFormMetadata(typeof(TForm)));

    /// <summary>The operation's multipart body described by the form's properties (the generator gave it the JSON schema).</summary>
    public static void Describe(OpenApiOperation operation, MultipartFormMetadata form)
    {
        if (operation.RequestBody?.Content?.TryGetValue(ContentType, out var media) != true || media is null)
        {
            return;
        }

        var nullability = new NullabilityInfoContext();
        var schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>(), Required = new HashSet<string>() };
        foreach (var property in form.Form.GetProperties())
        {
            var name = char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            schema.Properties[name] = property.PropertyType == typeof(IFormFile)
                ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" }
                : new OpenApiSchema { Type = JsonSchemaType.String };
            if (nullability.Create(property).ReadState != NullabilityState.Nullable)
            {
                schema.Required.Add(name);
            }
        }

        media.Schema = schema;
    }
}
