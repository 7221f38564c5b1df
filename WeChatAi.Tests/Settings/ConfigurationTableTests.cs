using System.Text.RegularExpressions;
using WeChatAi.AppHost.Configuration;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Settings;

/// <summary>
/// The options classes are the one declaration of a setting: the AppHost forwards what they declare, and the README's
/// configuration table must name every one of their options.
/// </summary>
public sealed partial class ConfigurationTableTests
{
    /// <summary>Every options class of every project the AppHost runs, once (Core's and ServiceDefaults' are in several).</summary>
    private static readonly IReadOnlyList<OptionsClass> Classes = ServiceSettings.ProjectNames
        .SelectMany(name => ServiceSettings.Read(ServiceSettings.AssemblyPath(name)).Classes)
        .DistinctBy(c => c.Name)
        .ToList();

    [Fact]
    public void Every_option_of_every_options_class_is_in_the_readme_configuration_table()
    {
        var documented = DocumentedKeys();

        var missing = Classes
            .SelectMany(c => c.Keys.Select(key => (Key: key, Class: c.Name)))
            .Where(option => !documented.Contains(Normalized(option.Key)))
            .Select(option => $"{option.Key} ({option.Class})")
            .ToList();

        Assert.True(missing.Count == 0, $"Options missing from the README's Configuration table:\n{string.Join('\n', missing)}");
    }

    [Fact]
    public void The_options_classes_are_found_with_their_sections_and_nested_options()
    {
        var byName = Classes.ToDictionary(c => c.Name[(c.Name.LastIndexOf('.') + 1)..]);

        Assert.Equal("WeChat", byName["WeChatOptions"].Section);
        Assert.Contains("Billing:Products:{i}:PriceFen", byName["BillingOptions"].Keys);
        Assert.Contains("Admin:Users:{i}:PasswordHash", byName["AdminOptions"].Keys);
        Assert.Contains("ForwardedHeaders:KnownProxies:{i}", byName["ForwardedHeadersSettings"].Keys); // get-only, filled by the binder
        Assert.DoesNotContain("Admin:IsConfigured", byName["AdminOptions"].Keys); // computed, not bound
        Assert.Contains(Classes, c => c.Section == "Migrations");
        Assert.Contains(Classes, c => c.Section == "Simulator");
    }

    [Fact]
    public void A_service_declares_the_options_of_its_own_and_the_shared_assemblies_only()
    {
        var api = ServiceSettings.Read(Repository.AssemblyPath("WeChatAi.Api"));
        var worker = ServiceSettings.Read(Repository.AssemblyPath("WeChatAi.Worker"));

        Assert.True(api.Declares("Llm:PricePer1kTokens") && api.Declares("WeChat:AckText") && api.Declares("ForwardedHeaders:KnownProxies:0"));
        Assert.False(worker.Declares("Llm:PricePer1kTokens"));
        Assert.True(worker.Declares("Llm:ReasoningSummaryChars") && worker.Declares("Billing:Products:3:Id"));
        Assert.False(api.Declares("Llm:BaseUrl"));
        Assert.False(api.Declares("Api:Replicas"), "the AppHost's own setting, read by no options class");
        Assert.False(worker.Declares("Worker:Replicas"));
    }

    /// <summary>
    /// The keys named in the first column of the README's Configuration table. A name starting with <c>:</c> continues the
    /// one before it (<c>`Billing:Products:{i}:Id`, `:Name`</c>).
    /// </summary>
    private static HashSet<string> DocumentedKeys()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var start = readme.IndexOf("\n## Configuration", StringComparison.Ordinal);
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the README has a Configuration section");

        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in readme[start..end].Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal)))
        {
            var previous = "";
            foreach (Match name in CodeSpan().Matches(row.Split('|')[1]))
            {
                var key = name.Groups[1].Value;
                previous = key.StartsWith(':') ? previous[..previous.LastIndexOf(':')] + key : key;
                keys.Add(Normalized(previous));
            }
        }

        return keys;
    }

    /// <summary>A list of values may be documented with or without its index (<c>Safety:WordListPaths</c>).</summary>
    private static string Normalized(string key) => key.EndsWith(":{i}", StringComparison.Ordinal) ? key[..^":{i}".Length] : key;

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
