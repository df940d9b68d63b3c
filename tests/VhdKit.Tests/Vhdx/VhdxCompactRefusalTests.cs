using System.Text.Json;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Automation;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// Every way <c>vhd compact</c> of a VHDX can be refused or stopped leaves the image byte for byte as it was and no
/// temporary file: a fixed disk, a disk in use (by a reader or a writer), a read-only file system, a file the scan
/// refuses, a missing parent, a cancelled run. And the CLI's text and JSON.
/// </summary>
public class VhdxCompactRefusalTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>A dynamic VHDX with data in blocks 0-2 and zeros written over block 3.</summary>
    private string Dynamic(string name)
    {
        string path = _folder.File(name);
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8L * MiB, MiB);
        using VirtualDisk disk = VirtualDisk.Open(path);
        disk.Write(VhdxTestFiles.Pattern(3 * MiB, 9), 0);
        disk.Write(new byte[MiB], 3L * MiB);
        return path;
    }

    private static void AssertUnchanged(string path, byte[] before)
    {
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".vhdkit-*"));
    }

    [Fact]
    public void A_fixed_vhdx_is_refused_as_a_fixed_vhd_is()
    {
        string path = _folder.File("f.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Fixed, 4L * MiB, MiB);
        byte[] before = File.ReadAllBytes(path);
        var error = Assert.Throws<WrongImageTypeException>(() => CompactOperation.Run(new CompactRequest(path)));
        Assert.Contains("fixed", error.Message, StringComparison.OrdinalIgnoreCase);
        AssertUnchanged(path, before);
    }

    [Fact]
    public void A_vhdx_in_use_by_a_reader_or_a_writer_is_refused()
    {
        string path = Dynamic("d.vhdx");
        byte[] before = File.ReadAllBytes(path);
        using (VirtualDisk reader = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true }))
        {
            Assert.Throws<ImageInUseException>(() => CompactOperation.Run(new CompactRequest(path)));
        }

        AssertUnchanged(path, before);
        using (VirtualDisk writer = VirtualDisk.Open(path))
        {
            Assert.Throws<ImageInUseException>(() => CompactOperation.Run(new CompactRequest(path)));
        }
    }

    [SkippableFact]
    public void A_vhdx_on_a_read_only_file_system_is_refused()
    {
        using Tmpfs tmpfs = Tmpfs.Mount("size=32m");
        string path = tmpfs.File("d.vhdx");
        File.Copy(Dynamic("d.vhdx"), path);
        byte[] before = File.ReadAllBytes(path);
        tmpfs.Remount("ro");
        Exception error = Assert.ThrowsAny<Exception>(() => CompactOperation.Run(new CompactRequest(path)));
        Assert.True(error is IOException or UnauthorizedAccessException, error.ToString());
        AssertUnchanged(path, before);
    }

    [Fact]
    public void A_vhdx_the_scan_refuses_is_not_compacted()
    {
        string path = Dynamic("d.vhdx");
        long batOffset;
        using (var image = global::VhdKit.Images.Vhdx.VhdxImage.Open(path))
        {
            batOffset = (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        }

        // Block 1's entry points far past the end of the file.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = batOffset + VhdxBatEntry.Size;
            file.Write(BitConverterLittleEndian(VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 1UL << 40).Raw));
        }

        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<VhdxFormatException>(() => CompactOperation.Run(new CompactRequest(path)));
        AssertUnchanged(path, before);
    }

    [Fact]
    public void A_child_whose_parent_is_missing_is_refused()
    {
        string parent = Dynamic("p.vhdx");
        string child = _folder.File("c.vhdx");
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: parent, blockSize: MiB);
        File.Move(parent, _folder.File("moved.vhdx"));
        byte[] before = File.ReadAllBytes(child);
        Assert.Throws<ParentResolutionException>(() => CompactOperation.Run(new CompactRequest(child)));
        AssertUnchanged(child, before);
    }

    [Fact]
    public void A_cancelled_vhdx_compact_leaves_the_image_and_no_temporary_file()
    {
        string path = Dynamic("d.vhdx");
        byte[] before = File.ReadAllBytes(path);
        using var cancel = new CancellationTokenSource();
        var progress = new CancelMidway(cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => CompactOperation.Run(new CompactRequest(path), progress, cancel.Token));
        Assert.True(progress.Reports > 0);
        AssertUnchanged(path, before);
    }

    [Fact]
    public void Cli_compact_of_a_vhdx_in_text_and_json()
    {
        string path = Dynamic("d.vhdx");
        long before = new FileInfo(path).Length;
        ProcessResult text = CliRunner.Run("compact", path);
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains($"{before} -> {before - MiB} bytes; 4 -> 3 blocks.", text.Stdout, StringComparison.Ordinal);

        string second = Dynamic("e.vhdx");
        ProcessResult json = CliRunner.Run("compact", "--output=json", second);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using JsonDocument document = JsonSchemaCheck.AssertValid(json.Stdout, "compact");
        JsonElement root = document.RootElement;
        Assert.Equal(before, root.GetProperty("file-length-before").GetInt64());
        Assert.Equal(before - MiB, root.GetProperty("file-length").GetInt64());
        Assert.Equal(4, root.GetProperty("allocated-blocks-before").GetInt32());
        Assert.Equal(3, root.GetProperty("allocated-blocks").GetInt32());

        string fixedPath = _folder.File("f.vhdx");
        VhdxTestFiles.Create(fixedPath, VhdDiskType.Fixed, 4L * MiB, MiB);
        ProcessResult refused = CliRunner.Run("compact", fixedPath);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("fixed", refused.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Cli_compact_of_a_vhdx_removes_the_temporary_file_of_an_interrupted_compaction_and_warns()
    {
        string path = Dynamic("d.vhdx");
        string stale = _folder.File(".vhdkit-0000abcd.tmp"); // what a compaction killed after its headers leaves: the image's DataWriteGuid
        File.Copy(path, stale);
        string other = _folder.File(".vhdkit-0000abce.tmp"); // another image's: kept
        VhdxTestFiles.Create(_folder.File("other.vhdx"), VhdDiskType.Dynamic, 4L * MiB, MiB);
        File.Move(_folder.File("other.vhdx"), other);
        ProcessResult result = CliRunner.Run("compact", path);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains($"vhd: warning: Removed {stale}", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(other));
    }

    private static byte[] BitConverterLittleEndian(ulong value)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>Cancels at the first report before the end: in the middle of the work, deterministically.</summary>
    private sealed class CancelMidway(CancellationTokenSource source) : IProgress<OperationProgress>
    {
        public int Reports { get; private set; }

        public void Report(OperationProgress value)
        {
            Reports++;
            if (value.Done < value.Total)
            {
                source.Cancel();
            }
        }
    }
}
