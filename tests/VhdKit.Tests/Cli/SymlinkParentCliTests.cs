using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

public class SymlinkParentCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void A_child_created_on_a_symbolic_link_to_its_parent_works_with_every_command()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need privileges on Windows");
        ImageFiles.Dynamic(_folder.File("store/base.vhd"), 4 * ImageFiles.MiB);
        File.CreateSymbolicLink(_folder.File("link.vhd"), _folder.File("store/base.vhd"));

        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", "link.vhd", "child.vhd").ExitCode);
        string input = _folder.File("in.bin");
        File.WriteAllBytes(input, Enumerable.Repeat((byte)9, 1024).ToArray());
        foreach (string[] command in new[]
                 {
                     new[] { "info", "--chain", "child.vhd" },
                     ["check", "--chain", "child.vhd"],
                     ["map", "child.vhd"],
                     ["write", "child.vhd", "--offset", "0", "--from", input],
                     ["compare", "child.vhd", "link.vhd"],
                     ["merge", "child.vhd"],
                 })
        {
            ProcessResult result = CliRunner.RunIn(_folder.Path, command);
            Assert.True((command[0] == "compare" ? 1 : 0) == result.ExitCode, $"vhd {string.Join(' ', command)} exited {result.ExitCode}: {result.Stderr}");
        }

        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "compare", "child.vhd", "link.vhd").ExitCode);
    }
}
