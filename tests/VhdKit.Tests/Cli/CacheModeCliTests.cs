using System.Text.RegularExpressions;
using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>
/// qemu-img's cache modes, end to end, counted with strace: durable by default (one fsync for the new file, one for
/// its folder), none with <c>-t unsafe</c> or <c>--no-sync</c> on convert and create, and those refused by the verbs
/// that edit an image in place, which then change nothing.
/// </summary>
public partial class CacheModeCliTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [GeneratedRegex(@"\b(fsync|fdatasync)\(")]
    private static partial Regex FlushCall();

    private static void Ok(ProcessResult result) => Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

    /// <summary>Runs <c>vhd</c> under strace and returns its result and the fsync and fdatasync calls it made.</summary>
    private (ProcessResult Result, int Flushes) RunCounting(params string[] arguments)
    {
        string strace = PeerTools.Require("strace");
        string trace = _folder.File("strace.out");
        ProcessResult result = PeerTools.Run(strace,
            ["-f", "-qq", "-o", trace, "-e", "trace=fsync,fdatasync", "dotnet", CliRunner.VhdDll, .. arguments], _folder.Path);
        int flushes = File.ReadLines(trace).Count(line => FlushCall().IsMatch(line));
        File.Delete(trace);
        return (result, flushes);
    }

    /// <summary>A 16 MiB raw file of random bytes (eight 2 MiB blocks of a dynamic VHD).</summary>
    private byte[] Payload()
    {
        var payload = new byte[16 * MiB];
        new Random(13).NextBytes(payload);
        File.WriteAllBytes(_folder.File("payload.raw"), payload);
        return payload;
    }

    private byte[] ReadDisk(string name)
    {
        using VirtualDisk disk = VirtualDisk.Open(_folder.File(name));
        var content = new byte[disk.Capacity];
        Assert.Equal(content.Length, disk.Read(content, 0));
        return content;
    }

    [SkippableTheory]
    [InlineData("dynamic")]
    [InlineData("fixed")]
    public void Convert_fsyncs_the_new_file_once_and_its_folder_once_by_default(string format)
    {
        byte[] payload = Payload();

        (ProcessResult result, int flushes) = RunCounting("convert", "-O", format, "payload.raw", "out.vhd");

        Ok(result);
        // Before: one fsync per new block of a dynamic output (10 here), then the file's and the folder's.
        Assert.Equal(2, flushes);
        Assert.Equal(payload, ReadDisk("out.vhd"));
    }

    [SkippableFact]
    public void Compact_fsyncs_the_rewritten_file_once_and_its_folder_once()
    {
        byte[] payload = Payload();
        payload.AsSpan(4 * MiB, 4 * MiB).Clear(); // two blocks of zeros: something to drop
        File.WriteAllBytes(_folder.File("payload.raw"), payload);
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "32MiB", "d.vhd"));
        Ok(CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "0", "--from", "payload.raw"));

        (ProcessResult result, int flushes) = RunCounting("compact", "d.vhd");

        Ok(result);
        // Before: one fsync per block of the rewritten file (6 here), then its flushes, then the folder's.
        Assert.Equal(2, flushes);
        Assert.Equal(payload, ReadDisk("d.vhd")[..payload.Length]);
        Ok(CliRunner.RunIn(_folder.Path, "check", "d.vhd"));
    }

    [SkippableTheory]
    [InlineData("-t", "writeback", 2)]
    [InlineData("--cache", "writethrough", 2)]
    [InlineData("-t", "unsafe", 0)]
    [InlineData("--cache", "unsafe", 0)]
    [InlineData("--no-sync", null, 0)]
    public void Convert_takes_qemu_img_cache_modes_and_skips_every_fsync_only_when_unsafe(string option, string? value, int expected)
    {
        byte[] payload = Payload();
        string[] cache = value is null ? [option] : [option, value];

        (ProcessResult result, int flushes) = RunCounting(["convert", .. cache, "payload.raw", "out.vhd"]);

        Ok(result);
        Assert.Equal(expected, flushes);
        Assert.Equal(payload, ReadDisk("out.vhd"));
        Assert.Empty(Directory.GetFiles(_folder.Path, ".*")); // no temporary left: the file was moved into place whole
    }

    [SkippableTheory]
    [InlineData(false, 2)]
    [InlineData(true, 0)]
    public void Create_skips_every_fsync_with_no_sync_only(bool noSync, int expected)
    {
        string[] sync = noSync ? ["--no-sync"] : [];

        (ProcessResult result, int flushes) = RunCounting(["create", .. sync, "--type", "fixed", "--zero-fill", "-s", "8MiB", "d.vhd"]);

        Ok(result);
        Assert.Equal(expected, flushes);
        Ok(CliRunner.RunIn(_folder.Path, "check", "d.vhd"));
    }

    [SkippableTheory]
    [InlineData(false, 2)]
    [InlineData(true, 0)]
    public void A_formatted_dynamic_disk_fsyncs_once_with_its_file_system_or_not_at_all_with_no_sync(bool noSync, int expected)
    {
        Directory.CreateDirectory(_folder.File("tree"));
        File.WriteAllBytes(_folder.File("tree/data.bin"), new byte[5 * MiB]); // spans several blocks
        string[] sync = noSync ? ["--no-sync"] : [];

        (ProcessResult result, int flushes) = RunCounting(["create", .. sync, "--filesystem", "fat32", "--add", "tree", "-s", "600MiB", "d.vhd"]);

        Ok(result);
        // Before: the file system's blocks were allocated and flushed through the image, one fsync per batch.
        Assert.Equal(expected, flushes);
        Ok(CliRunner.RunIn(_folder.Path, "check", "d.vhd"));
    }

    [Fact]
    public void An_unknown_cache_mode_is_refused_naming_the_modes()
    {
        Payload();

        ProcessResult result = CliRunner.RunIn(_folder.Path, "convert", "-t", "fast", "payload.raw", "out.vhd");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("-t fast: expected a cache mode: writeback (the default), writethrough, none, directsync or unsafe.", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("out.vhd")));
    }

    [Theory]
    [InlineData("merge", "-t")]
    [InlineData("merge", "--no-sync")]
    [InlineData("resize", "-t")]
    [InlineData("rebase", "--no-sync")]
    [InlineData("repair", "-t")]
    [InlineData("compact", "--no-sync")]
    [InlineData("write", "-t")]
    public void In_place_edits_refuse_the_unsafe_mode_and_change_nothing(string verb, string option)
    {
        Payload();
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "16MiB", "base.vhd"));
        Ok(CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", "child.vhd"));
        Ok(CliRunner.RunIn(_folder.Path, "write", "child.vhd", "--offset", "0", "--from", "payload.raw"));
        byte[] baseBefore = File.ReadAllBytes(_folder.File("base.vhd"));
        byte[] childBefore = File.ReadAllBytes(_folder.File("child.vhd"));
        string[] unsafeMode = option == "-t" ? ["-t", "unsafe"] : [option];
        string[] arguments = verb switch
        {
            "merge" => ["merge", .. unsafeMode, "child.vhd"],
            "resize" => ["resize", .. unsafeMode, "base.vhd", "32MiB"],
            "rebase" => ["rebase", .. unsafeMode, "--parent", "base.vhd", "child.vhd"],
            "write" => ["write", .. unsafeMode, "--offset", "0", "--from", "payload.raw", "base.vhd"],
            _ => [verb, .. unsafeMode, "child.vhd"],
        };

        ProcessResult result = CliRunner.RunIn(_folder.Path, arguments);

        Assert.Equal(1, result.ExitCode);
        string given = option == "-t" ? "-t unsafe" : "--no-sync";
        Assert.Contains($"{given} is refused: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("a crash or power loss could leave the image corrupt", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(baseBefore, File.ReadAllBytes(_folder.File("base.vhd")));
        Assert.Equal(childBefore, File.ReadAllBytes(_folder.File("child.vhd")));
    }
}
