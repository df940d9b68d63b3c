using System.Runtime.InteropServices;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Native;

/// <summary>
/// The <c>vhd</c> tool published with NativeAOT, once for the whole collection, into a temporary folder:
/// <c>dotnet publish src/VhdKit.Cli -c Release -r RID -p:PublishAot=true -o DIR</c>, with <c>--artifacts-path</c> so the
/// build's own bin and obj folders stay out of the clone (the JIT build the other tests run is left as it was).
/// NativeAOT links with clang and zlib (Debian: clang, zlib1g-dev; test.sh installs them).
/// </summary>
public sealed class NativeVhd : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Lazy<Published> _published;

    public NativeVhd() => _published = new Lazy<Published>(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The runtime identifier the binary is built for: this machine's.</summary>
    public static string RuntimeIdentifier => RuntimeInformation.RuntimeIdentifier;

    /// <summary>The native executable (skips the test off Linux, or without clang outside CI; a failed publish fails it).</summary>
    public string Path => Get().Executable;

    /// <summary>What <c>dotnet publish</c> printed (stdout and stderr).</summary>
    public string PublishOutput => Get().Output;

    /// <summary>Runs the native <c>vhd</c> in <paramref name="workingDirectory"/>.</summary>
    public ProcessResult RunIn(string workingDirectory, params string[] arguments) => PeerTools.Run(Path, arguments, workingDirectory);

    public void Dispose() => _folder.Dispose();

    private Published Get()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the NativeAOT test publishes for Linux (clang, zlib1g-dev)");
        PeerTools.Require("clang");
        return _published.Value;
    }

    private Published Publish()
    {
        string output = _folder.File("publish");
        ProcessResult result = PeerTools.Run(
            "dotnet",
            ["publish", "src/VhdKit.Cli", "-c", "Release", "-r", RuntimeIdentifier, "-p:PublishAot=true",
             "--artifacts-path", _folder.File("artifacts"), "-o", output],
            Repository.Root,
            timeoutMs: 900_000);
        string printed = result.Stdout + result.Stderr;
        Assert.True(result.ExitCode == 0, $"dotnet publish -p:PublishAot=true exited {result.ExitCode}:\n{printed}");
        return new Published(System.IO.Path.Combine(output, "vhd"), printed);
    }

    private sealed record Published(string Executable, string Output);
}

/// <summary>Runs the NativeAOT tests (one long native build, then the binary) with no other test in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NativeRunsAlone : ICollectionFixture<NativeVhd>
{
    public const string Name = "publishing and running the native vhd";
}
