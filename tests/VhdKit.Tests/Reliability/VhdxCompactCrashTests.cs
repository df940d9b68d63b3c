using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// <c>vhd compact</c> of a VHDX never writes the image: it writes a temporary file, flushes it, and renames it over
/// the image. Power loss: nothing is written to the temporary file after its last flush, and both states the image's
/// path can then hold (the old file, the compacted one) open, check clean with their chain, read as the model, and
/// keep a child linked. Kills: <c>vhd compact</c> SIGKILLed at each of its fsyncs leaves the old or the compacted
/// file, and the next run completes and removes what a killed run left.
/// </summary>
public class VhdxCompactCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A chain base &lt;- middle &lt;- top in <paramref name="folder"/>; the middle holds blocks to drop. Returns the model.</summary>
    private static byte[] Chain(string folder, out string middle, out string top)
    {
        string parent = Path.Combine(folder, "base.vhdx");
        middle = Path.Combine(folder, "middle.vhdx");
        top = Path.Combine(folder, "top.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, 10L * MiB, MiB);
        var model = new byte[10 * MiB];
        using (VirtualDisk disk = VirtualDisk.Open(parent))
        {
            byte[] data = VhdxTestFiles.Pattern(6 * MiB, 21);
            disk.Write(data, 0);
            data.CopyTo(model, 0);
        }

        VhdxTestFiles.Create(middle, VhdDiskType.Differencing, parent: parent, blockSize: MiB);
        using (VirtualDisk disk = VirtualDisk.Open(middle))
        {
            disk.Write(model.AsSpan(MiB, MiB), MiB); // the parent's block again
            disk.Write(new byte[MiB], 2L * MiB); // zeros over data
            byte[] data = VhdxTestFiles.Pattern(40_960, 22);
            disk.Write(data, (3L * MiB) + 4096);
            data.CopyTo(model, (3 * MiB) + 4096);
            Array.Clear(model, 2 * MiB, MiB);
        }

        VhdxTestFiles.Create(top, VhdDiskType.Differencing, parent: middle, blockSize: MiB);
        return model;
    }

    private static void AssertState(string middle, string top, byte[] model, string what)
    {
        CheckResult report = CheckOperation.Run(new CheckRequest(top) { Chain = true });
        Assert.True(report.IsClean, $"{what}: {string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}"))}");
        ChainBuilder.AssertBytes(model, DiskBytes.Of(middle));
        ChainBuilder.AssertBytes(model, DiskBytes.Of(top));
    }

    [Fact]
    public void Vhdx_compact_exposes_only_the_old_file_or_the_complete_new_one()
    {
        byte[] model = Chain(_folder.Path, out string middle, out string top);
        byte[] old = File.ReadAllBytes(middle);
        RecordingStorage? temporary = null;
        CompactOperation.Compact(middle, storage => temporary = new RecordingStorage(storage), null, CancellationToken.None);
        Assert.NotNull(temporary);
        Assert.Contains('W', temporary.Operations);
        Assert.Equal('F', temporary.Operations[^1]); // nothing written after the flush: the rename exposes durable bytes only
        Assert.Equal(1, temporary.Operations.Count(o => o == 'F'));
        byte[] compacted = File.ReadAllBytes(middle);
        Assert.True(compacted.Length < old.Length);

        // State 1: the rename did not survive: the old file. State 2: it did: the new one.
        File.WriteAllBytes(middle, old);
        AssertState(middle, top, model, "old");
        File.WriteAllBytes(middle, compacted);
        AssertState(middle, top, model, "compacted");
        output.WriteLine($"old {old.Length} bytes, compacted {compacted.Length}");
    }

    [SkippableFact]
    public void Vhd_compact_of_a_vhdx_killed_at_each_fsync_leaves_the_old_or_the_new_file_and_the_next_run_cleans_up()
    {
        string strace = PeerTools.Require("strace");
        string template = _folder.File("template");
        Directory.CreateDirectory(template);
        byte[] model = Chain(template, out string templateMiddle, out _);
        byte[] old = File.ReadAllBytes(templateMiddle);
        int killed = 0;
        int replaced = 0;
        for (int when = 1; when <= 4; when++)
        {
            string run = _folder.File($"run{when}");
            Directory.CreateDirectory(run);
            foreach (string file in Directory.GetFiles(template))
            {
                File.Copy(file, Path.Combine(run, Path.GetFileName(file)));
            }

            string middle = Path.Combine(run, "middle.vhdx");
            string top = Path.Combine(run, "top.vhdx");
            ProcessResult result = PeerTools.Run(strace, ["-f", "-o", "/dev/null", "-e", "trace=fsync", "-e", $"inject=fsync:signal=SIGKILL:when={when}",
                "dotnet", CliRunner.VhdDll, "compact", middle]);
            killed += result.ExitCode == 0 ? 0 : 1;
            byte[] now = File.ReadAllBytes(middle);
            bool isOld = now.AsSpan().SequenceEqual(old);
            replaced += isOld ? 0 : 1;
            if (!isOld)
            {
                Assert.True(now.Length < old.Length, $"fsync #{when}: the file at the image's path is neither the old one nor a compacted one");
            }

            AssertState(middle, top, model, $"fsync #{when}");
            string[] left = Directory.GetFiles(run, ".vhdkit-*");
            output.WriteLine($"fsync #{when}: exit {result.ExitCode}, {(isOld ? "old file" : "compacted file")}, {left.Length} temporary file(s) left");

            CompactOperation.Run(new CompactRequest(middle));
            AssertState(middle, top, model, $"fsync #{when}, run again");
            Assert.Empty(Directory.GetFiles(run, ".vhdkit-*"));
            using (VhdxImage image = VhdxImage.Open(middle))
            {
                Assert.Equal(1, CountPayload(image)); // block 3's new sectors: the rest reads as the base or is ZERO
            }
        }

        Assert.True(killed > 0, "no run was killed");
        output.WriteLine($"{killed} killed, {replaced} left the compacted file");
    }

    [SkippableTheory]
    [InlineData(2, false)] // the file identifier written, no header yet: the temporary file is not recognised and stays
    [InlineData(8, true)] // headers, region tables and metadata written, the blocks not all: the next run removes it
    public void Vhd_compact_of_a_vhdx_killed_mid_copy_leaves_the_old_file_and_the_next_run_removes_a_temporary_file_with_a_header(int write, bool removed)
    {
        string strace = PeerTools.Require("strace");
        byte[] model = Chain(_folder.Path, out string middle, out string top);
        byte[] old = File.ReadAllBytes(middle);
        ProcessResult result = PeerTools.Run(strace, ["-f", "-o", "/dev/null", "-e", "trace=pwrite64", "-e", $"inject=pwrite64:signal=SIGKILL:when={write}",
            "dotnet", CliRunner.VhdDll, "compact", middle]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(old, File.ReadAllBytes(middle));
        AssertState(middle, top, model, $"pwrite #{write}");
        string stray = Assert.Single(Directory.GetFiles(_folder.Path, ".vhdkit-*"));

        CompactResult again = CompactOperation.Run(new CompactRequest(middle));
        AssertState(middle, top, model, $"pwrite #{write}, run again");
        Assert.Equal(!removed, File.Exists(stray));
        Assert.Equal(removed, again.Warnings.Any(w => w.Contains(stray, StringComparison.Ordinal)));
    }

    private static int CountPayload(VhdxImage image)
    {
        int count = 0;
        for (long block = 0; block < image.Geometry.DataBlockCount; block++)
        {
            count += image.PayloadEntry(block).State is global::VhdKit.Format.Vhdx.VhdxBlockState.FullyPresent or global::VhdKit.Format.Vhdx.VhdxBlockState.PartiallyPresent ? 1 : 0;
        }

        return count;
    }

}
