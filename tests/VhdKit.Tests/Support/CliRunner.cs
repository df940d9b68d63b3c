namespace VhdKit.Tests.Support;

/// <summary>Runs the real <c>vhd</c> executable (built next to the tests) as a child process.</summary>
public static class CliRunner
{
    public static string VhdDll => Path.Combine(AppContext.BaseDirectory, "vhd.dll");

    public static ProcessResult Run(params string[] arguments) => RunIn(null, arguments);

    public static ProcessResult RunIn(string? workingDirectory, params string[] arguments) =>
        PeerTools.Run("dotnet", [VhdDll, .. arguments], workingDirectory);

    /// <summary>Runs <c>vhd</c> with <paramref name="environment"/> set (a null value removes a variable), e.g. Azure credentials.</summary>
    public static ProcessResult RunWith(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        PeerTools.Run("dotnet", [VhdDll, .. arguments], environment: environment);
}
