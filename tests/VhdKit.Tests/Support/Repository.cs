namespace VhdKit.Tests.Support;

/// <summary>The clone the tests were built from.</summary>
public static class Repository
{
    /// <summary>The folder that holds VhdKit.slnx, found upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VhdKit.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No VhdKit.slnx above {AppContext.BaseDirectory}.");
    }
}
