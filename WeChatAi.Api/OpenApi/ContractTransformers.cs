using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using WeChatAi.Api.Admin;

namespace WeChatAi.Api.OpenApi;

/// <summary>
/// What the generator cannot see in the endpoints: the admin key (a filter, not ASP.NET authentication) as a security
/// scheme on every operation behind it, and the problems a handler returns with a status chosen at run time
/// (<see cref="ProblemHttpResult"/>) as the operation's <c>default</c> response. No servers: the document describes
/// paths, whichever host serves them, so it is the same file everywhere.
/// </summary>
internal static class ContractTransformers
{
    public const string DocumentName = "v1";
    private const string AdminKeyScheme = "AdminKey";
    private const string ProblemSchema = nameof(ProblemDetails);

    public static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "WeChatAi API",
            Version = DocumentName,
            Description = "The operators' API (/api/admin, with the admin key) and the public endpoints of the purchase page and the figures.",
        };
        document.Servers = [];
        document.AddComponent<IOpenApiSecurityScheme>(AdminKeyScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = AdminKeyFilter.HeaderName,
            Description = "Admin:ApiKey (also accepted as Authorization: Bearer <key>).",
        });
        return Task.CompletedTask;
    }

    public static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<AdminKeyMetadata>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminKeyScheme, context.Document)] = [] }];
        }

        if (metadata.OfType<MultipartFormMetadata>().FirstOrDefault() is { } form)
        {
            MultipartForm.Describe(operation, form);
        }

        if (metadata.OfType<MethodInfo>().FirstOrDefault() is { } handler && ReturnsProblem(handler.ReturnType))
        {
            if (context.Document?.Components?.Schemas?.ContainsKey(ProblemSchema) != true)
            {
                context.Document!.AddComponent(ProblemSchema, await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken));
            }

            operation.Responses ??= [];
            operation.Responses.TryAdd("default", new OpenApiResponse
            {
                Description = "A problem (RFC 9457): its status and detail say what was wrong.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
                },
            });
        }
    }

    /// <summary>
    /// A number is a number: the web JSON defaults also read <c>"5"</c>, which the generator shows as
    /// <c>["integer", "string"]</c> with a pattern; the API writes numbers, and clients generated from the document
    /// should get <c>int</c>/<c>long</c>/<c>decimal</c> rather than <c>object</c>.
    /// </summary>
    public static Task DescribeNumberAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String) && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }

    // Task<Results<Ok<T>, ProblemHttpResult>>, Results<…>, or ProblemHttpResult itself.
    private static bool ReturnsProblem(Type type) =>
        type == typeof(ProblemHttpResult)
            || (type.IsGenericType && type.GetGenericArguments().Any(ReturnsProblem) && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.Name.StartsWith("Results`", StringComparison.Ordinal)));
}
