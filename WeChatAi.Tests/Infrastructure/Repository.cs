namespace WeChatAi.Tests.Infrastructure;

/// <summary>Where the solution and its build outputs are, seen from the test binaries.</summary>
internal static class Repository
{
    /// <summary>The folder holding WeChatAi.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the tests reference the services, so they are built with the tests' configuration.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <summary>The built assembly of <paramref name="project"/>, e.g. <c>WeChatAi.Api</c>.</summary>
    public static string AssemblyPath(string project) =>
        Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WeChatAi.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("WeChatAi.sln was not found above the test binaries.");
    }
}
