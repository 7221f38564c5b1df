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
    public void A_section_has_one_options_class_unless_docs_configuration_says_why_it_has_more()
    {
        var shared = Classes.GroupBy(c => c.Section).Where(g => g.Count() > 1).Select(g => g.Key).Order(StringComparer.Ordinal);

        Assert.Equal(ExplainedSections().Order(StringComparer.Ordinal), shared);
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
    /// The keys named in the first column of the README's Configuration tables. A name starting with <c>:</c> continues
    /// the one before it (<c>`Billing:Products:{i}:Id`, `:Name`</c>).
    /// </summary>
    private static HashSet<string> DocumentedKeys()
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in TableRows("README.md", "## Configuration"))
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

    /// <summary>The first column of the table under docs/configuration.md's "Sections with more than one class".</summary>
    private static IEnumerable<string> ExplainedSections() =>
        TableRows(Path.Combine("docs", "configuration.md"), "## Sections with more than one class")
            .Select(row => CodeSpan().Match(row).Groups[1].Value);

    /// <summary>The rows (lines starting with <c>| `</c>) of the tables under <paramref name="heading"/>, up to the next heading of its level.</summary>
    private static IEnumerable<string> TableRows(string path, string heading)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, path));
        var start = text.IndexOf("\n" + heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{path} has the heading '{heading}'");
        var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return text[start..(end < 0 ? text.Length : end)].Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal));
    }

    /// <summary>A list of values may be documented with or without its index (<c>Safety:WordListPaths</c>).</summary>
    private static string Normalized(string key) => key.EndsWith(":{i}", StringComparison.Ordinal) ? key[..^":{i}".Length] : key;

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
