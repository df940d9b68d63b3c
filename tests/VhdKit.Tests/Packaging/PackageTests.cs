using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Packaging;

/// <summary>
/// The README's install lines, run as written: the tool is packed, installed from the packed folder (into a temporary
/// tool path instead of --global) and run; the library is packed and referenced by a new project that builds and runs.
/// </summary>
[Collection(PackagingRunsAlone.Name)]
public sealed partial class PackageTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

    [Fact]
    public void The_readme_tool_install_lines_install_a_vhd_that_runs()
    {
        using var folder = new TempFolder();
        string artifacts = folder.File("artifacts");
        string tools = folder.File("tools");

        RunReadmeLine("dotnet pack src/VhdKit.Cli ", artifacts, tools, Repository.Root);
        RunReadmeLine("dotnet tool install ", artifacts, tools, folder.Path);

        string vhd = Path.Combine(tools, OperatingSystem.IsWindows() ? "vhd.exe" : "vhd");
        string version = PeerTools.RunOk(vhd, "--version").Trim();
        Assert.StartsWith(PackageVersion(), version, StringComparison.Ordinal);

        string image = folder.File("made-by-installed-tool.vhd");
        PeerTools.RunOk(vhd, "create", "--size", "8MiB", image);
        Assert.Contains("virtual size: 8 MiB (8388608 bytes)", PeerTools.RunOk(PeerTools.Require("qemu-img"), "info", "-f", "vpc", image), StringComparison.Ordinal);
    }

    [Fact]
    public void The_packages_carry_license_readme_symbols_and_metadata()
    {
        using var folder = new TempFolder();
        string artifacts = folder.File("artifacts");
        RunReadmeLine("dotnet pack src/VhdKit.Cli ", artifacts, folder.File("tools"), Repository.Root);
        RunReadmeLine("dotnet pack src/VhdKit ", artifacts, folder.File("tools"), Repository.Root);

        foreach (string id in new[] { "VhdKit", "VhdKit.Cli" })
        {
            string package = Path.Combine(artifacts, $"{id}.{PackageVersion()}.nupkg");
            Assert.True(File.Exists(Path.Combine(artifacts, $"{id}.{PackageVersion()}.snupkg")), $"no symbols package beside {package}");
            using ZipArchive zip = ZipFile.OpenRead(package);
            Assert.NotNull(zip.GetEntry("LICENSE"));
            Assert.NotNull(zip.GetEntry("README.md"));
            XElement metadata = Nuspec(zip);
            XNamespace ns = metadata.Name.Namespace;
            Assert.Equal(id, metadata.Element(ns + "id")?.Value);
            Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "authors")?.Value));
            Assert.Contains("vhd", metadata.Element(ns + "tags")?.Value ?? string.Empty, StringComparison.Ordinal);
            // SourceLink: the commit the package was built from (the URL too when the clone has an origin remote).
            Assert.Matches("^[0-9a-f]{40}$", metadata.Element(ns + "repository")?.Attribute("commit")?.Value ?? string.Empty);
        }
    }

    [Fact]
    public void The_readme_library_lines_and_examples_build_and_run_against_the_packed_library()
    {
        using var folder = new TempFolder();
        string artifacts = folder.File("artifacts");
        string project = folder.File("consumer");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "consumer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """);
        // The README's library examples, as written, with their /vms folder moved into the test's folder.
        string vms = folder.File("vms");
        string seed = folder.File("seed");
        Directory.CreateDirectory(seed);
        File.WriteAllText(Path.Combine(seed, "user-data"), "#cloud-config\n");
        File.WriteAllText(Path.Combine(project, "Program.cs"), LibraryExamples()
            .Replace("/vms", vms, StringComparison.Ordinal).Replace("/srv/seed", seed, StringComparison.Ordinal));

        RunReadmeLine("dotnet pack src/VhdKit ", artifacts, folder.File("tools"), Repository.Root);
        RunReadmeLine("dotnet add package VhdKit ", artifacts, folder.File("tools"), project);

        string output = PeerTools.RunOk("/usr/bin/env", $"NUGET_PACKAGES={folder.File("nuget-packages")}", "dotnet", "run", "--project", project);
        Assert.Contains($"{vms}/work/child.vhd: {64L << 30} bytes on {vms}/base.vhd", output, StringComparison.Ordinal);
        Assert.Contains($"1: {vms}/base.vhd Dynamic", output, StringComparison.Ordinal);
        Assert.Contains($"True {2 * 512} bytes merged into {vms}/base.vhd", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(vms, "seed.vhd")), "the formatted disk example made no seed.vhd");
        Assert.Contains("virtual size: 64 GiB", PeerTools.RunOk(PeerTools.Require("qemu-img"), "info", "-f", "vpc", Path.Combine(vms, "flat.vhd")), StringComparison.Ordinal);
    }

    /// <summary>
    /// The README's first three C# blocks under "## The library" as one program, their using directives first (each
    /// block names what it uses; the NBD one needs a client, so it is left out).
    /// </summary>
    private static string LibraryExamples()
    {
        string library = Readme[Readme.IndexOf("## The library", StringComparison.Ordinal)..];
        string[] lines = [.. CSharpBlock().Matches(library).Take(3).SelectMany(m => m.Groups[1].Value.Split('\n'))];
        static bool IsDirective(string line) => UsingDirective().IsMatch(line);
        return string.Join('\n', lines.Where(IsDirective).Distinct().Concat(lines.Where(line => !IsDirective(line))));
    }

    [GeneratedRegex(@"^using [A-Za-z.]+;$")]
    private static partial Regex UsingDirective();

    /// <summary>Runs the README line that starts with <paramref name="start"/>, with its <c>artifacts</c> folder and --global redirected.</summary>
    private static void RunReadmeLine(string start, string artifacts, string tools, string workingDirectory)
    {
        string line = Readme.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith(start, StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"README.md has no line starting with '{start}'.");
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var arguments = new List<string>();
        foreach (string word in words.Skip(1))
        {
            arguments.AddRange(word switch
            {
                "artifacts" => [artifacts],
                "--global" => ["--tool-path", tools],
                _ => [word],
            });
        }

        // A package cache of its own: the machine's cache may hold an older build under the same version.
        string cache = Path.Combine(Path.GetDirectoryName(artifacts)!, "nuget-packages");
        ProcessResult result = PeerTools.Run("/usr/bin/env", [$"NUGET_PACKAGES={cache}", "dotnet", .. arguments], workingDirectory, timeoutMs: 300_000);
        Assert.True(result.ExitCode == 0, $"'{line}' exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
    }

    /// <summary>The version every package is built with (VersionPrefix in Directory.Build.props).</summary>
    private static string PackageVersion() =>
        VersionPrefix().Match(File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props"))).Groups[1].Value;

    private static XElement Nuspec(ZipArchive zip)
    {
        ZipArchiveEntry entry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using Stream stream = entry.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("<VersionPrefix>([^<]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();
}

/// <summary>Runs <see cref="PackageTests"/> (builds, packs, restores) with no other test in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingRunsAlone
{
    public const string Name = "packing and installing";
}
