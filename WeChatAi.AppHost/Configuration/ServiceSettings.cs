using System.Reflection;
using System.Runtime.InteropServices;

namespace WeChatAi.AppHost.Configuration;

/// <summary>
/// The settings a service declares: the properties the configuration binder sets in its options classes, each a
/// public class with a <c>const string Section</c> in the service's assembly or in another of the solution's beside it
/// (Core, ServiceDefaults). Read from the built assemblies without running their code, so the options classes stay
/// the one declaration of every setting (docs/configuration.md).
/// </summary>
internal sealed class ServiceSettings
{
    private const string SolutionAssemblies = "WeChatAi.*.dll";

    private const string MetadataPrefix = "ServiceAssembly:";

    private readonly HashSet<string> _options;

    private ServiceSettings(IReadOnlyList<OptionsClass> classes)
    {
        Classes = classes;
        _options = new HashSet<string>(
            classes.SelectMany(c => c.Keys).Select(key => string.Join(':', key.Split(':').Take(2))), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every options class of the service, with the keys it binds (<c>{i}</c> for a list's index).</summary>
    public IReadOnlyList<OptionsClass> Classes { get; }

    /// <summary>True when <paramref name="key"/> (e.g. <c>Llm:VisionModel</c>, <c>Billing:Products:0:Id</c>) is, or is inside, one of the service's options.</summary>
    public bool Declares(string key)
    {
        var parts = key.Split(':', 3);
        return parts.Length >= 2 && _options.Contains($"{parts[0]}:{parts[1]}");
    }

    /// <summary>The settings of <paramref name="project"/>, from the assembly its build produced.</summary>
    public static ServiceSettings Of(IResourceBuilder<ProjectResource> project) =>
        Read(AssemblyPath(Path.GetFileNameWithoutExtension(project.Resource.GetProjectMetadata().ProjectPath)));

    /// <summary>Where the build put the assembly of the AppHost's project reference <paramref name="name"/> (its csproj's name).</summary>
    public static string AssemblyPath(string name) =>
        typeof(ServiceSettings).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == MetadataPrefix + name)?.Value
        ?? throw new InvalidOperationException($"The AppHost was built without the path of {name}'s assembly (the EmbedServiceAssemblyPaths target of WeChatAi.AppHost.csproj).");

    /// <summary>Every project reference's assembly name, as the build recorded them.</summary>
    public static IEnumerable<string> ProjectNames =>
        typeof(ServiceSettings).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            .Select(a => a.Key[MetadataPrefix.Length..]);

    public static ServiceSettings Read(string assemblyPath)
    {
        var folder = Path.GetDirectoryName(assemblyPath)!;
        var resolver = new PathAssemblyResolver(
            [.. Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll"), .. Directory.GetFiles(folder, "*.dll")]);
        using var context = new MetadataLoadContext(resolver, typeof(object).Assembly.GetName().Name);
        var classes = Directory.GetFiles(folder, SolutionAssemblies)
            .SelectMany(path => context.LoadFromAssemblyPath(path).GetTypes())
            .Select(type => (Type: type, Section: SectionOf(type)))
            .Where(c => c.Section is not null)
            .Select(c => new OptionsClass(c.Type.FullName!, c.Section!, [.. Keys(c.Section!, c.Type)]))
            .OrderBy(c => c.Section, StringComparer.Ordinal)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        return new ServiceSettings(classes);
    }

    private static string? SectionOf(Type type) =>
        type.IsPublic && type.GetField("Section", BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly) is { IsLiteral: true } field
            ? field.GetRawConstantValue() as string
            : null;

    /// <summary>The configuration keys below <paramref name="prefix"/> that binding <paramref name="type"/> reads.</summary>
    private static IEnumerable<string> Keys(string prefix, Type type)
    {
        if (IsValue(type))
        {
            return [prefix];
        }

        if (ElementOf(type) is { } element)
        {
            return Keys($"{prefix}:{{i}}", element);
        }

        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0
                && (p.SetMethod is { IsPublic: true } || !IsValue(p.PropertyType))) // the binder fills a get-only list or object
            .SelectMany(p => Keys($"{prefix}:{p.Name}", p.PropertyType));
    }

    /// <summary>A type the binder sets from one string.</summary>
    private static bool IsValue(Type type)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1")
        {
            type = type.GetGenericArguments()[0];
        }

        return type.IsPrimitive || type.IsEnum
            || type.FullName is "System.String" or "System.Decimal" or "System.TimeSpan" or "System.DateTimeOffset" or "System.Uri";
    }

    /// <summary>The element of an array or a one-argument generic collection (List, IList, …); null for anything else.</summary>
    private static Type? ElementOf(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericArguments() is [var element] && type.GetInterfaces().Any(i => i.FullName == "System.Collections.IEnumerable") ? element
        : null;
}

/// <summary>One options class: its full name, its section and the keys it binds.</summary>
internal sealed record OptionsClass(string Name, string Section, IReadOnlyList<string> Keys);
