using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>
/// Real fsync failures, end to end: strace makes every fsync and fdatasync of the <c>vhd</c> process fail with EIO.
/// Each command must exit non-zero with an error naming the file and EIO, and rename nothing into place.
/// (.NET 10's own flush calls return normally when fsync fails, so before the checked flush these exited 0.)
/// </summary>
public class FsyncFailureCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static void Ok(ProcessResult result) => Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

    /// <summary>Runs <c>vhd</c> under strace with every fsync and fdatasync failing with EIO.</summary>
    private ProcessResult RunWithFailingFsync(params string[] arguments)
    {
        string strace = PeerTools.Require("strace");
        return PeerTools.Run(strace,
            ["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync", "-e", "inject=fsync,fdatasync:error=EIO",
             "dotnet", CliRunner.VhdDll, .. arguments], _folder.Path);
    }

    private static void AssertFailedNaming(ProcessResult result, string name)
    {
        Assert.True(result.ExitCode != 0, $"exited 0 although fsync failed: {result.Stdout}");
        Assert.Contains("EIO", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(name, result.Stderr, StringComparison.Ordinal);
    }

    private string[] Temporaries() => Directory.GetFiles(_folder.Path, ".*");

    [SkippableFact]
    public void Write_fails_when_fsync_fails()
    {
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "8MiB", "d.vhd"));
        var payload = new byte[3 * 1024 * 1024];
        new Random(3).NextBytes(payload);
        File.WriteAllBytes(_folder.File("payload.bin"), payload);

        ProcessResult result = RunWithFailingFsync("write", "d.vhd", "--offset", "1MiB", "--from", "payload.bin");

        AssertFailedNaming(result, "d.vhd");
        Assert.True(CheckOperation.Run(new CheckRequest(_folder.File("d.vhd"))).IsClean);
    }

    [SkippableFact]
    public void Compact_fails_when_fsync_fails_and_leaves_the_image_as_it_was()
    {
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "8MiB", "d.vhd"));
        var payload = new byte[3 * 1024 * 1024];
        new Random(4).NextBytes(payload);
        payload.AsSpan(0, 2 * 1024 * 1024).Clear(); // a block of zeros: something to compact away
        File.WriteAllBytes(_folder.File("payload.bin"), payload);
        Ok(CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "0", "--from", "payload.bin"));
        byte[] before = File.ReadAllBytes(_folder.File("d.vhd"));

        ProcessResult result = RunWithFailingFsync("compact", "d.vhd");

        AssertFailedNaming(result, "d.vhd");
        Assert.Equal(before, File.ReadAllBytes(_folder.File("d.vhd")));
        Assert.Empty(Temporaries());
    }

    [SkippableFact]
    public void Convert_fails_when_fsync_fails_and_creates_nothing()
    {
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "8MiB", "d.vhd"));
        File.WriteAllBytes(_folder.File("payload.bin"), Enumerable.Repeat((byte)0x42, 70_000).ToArray());
        Ok(CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "5000", "--from", "payload.bin"));

        foreach (string format in new[] { "dynamic", "fixed", "raw" })
        {
            ProcessResult result = RunWithFailingFsync("convert", "--format", format, "d.vhd", "out.vhd");

            AssertFailedNaming(result, "out.vhd");
            Assert.False(Path.Exists(_folder.File("out.vhd")), format);
            Assert.Empty(Temporaries());
        }
    }

    [SkippableFact]
    public void Create_fails_when_fsync_fails_and_creates_nothing()
    {
        foreach (string[] arguments in new[] { new[] { "-s", "8MiB" }, ["--type", "fixed", "-s", "4MiB"] })
        {
            ProcessResult result = RunWithFailingFsync(["create", .. arguments, "new.vhd"]);

            AssertFailedNaming(result, "new.vhd");
            Assert.False(Path.Exists(_folder.File("new.vhd")));
            Assert.Empty(Temporaries());
        }
    }
}
