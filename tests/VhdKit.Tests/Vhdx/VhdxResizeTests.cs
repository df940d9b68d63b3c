using System.Buffers.Binary;
using System.Text.Json;
using VhdKit.Tests.Automation;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// <c>vhd resize</c> of VHDX: grow and shrink of fixed and dynamic disks (512 and 4096-byte sectors, several block
/// sizes, the BAT grown in place or moved), read after the resize by us, the spec reader, qemu-img (512-byte sectors)
/// and libvhdi against the old content truncated or zero-extended; and every refusal, with the file unchanged.
/// </summary>
public class VhdxResizeTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(VhdDiskType.Dynamic, 20 * MiB, (48 * MiB) + 1536, 1, 512)] // grow, the BAT's new entries in place
    [InlineData(VhdDiskType.Dynamic, 30 * MiB, 70 * MiB, null, 512)] // grow across the default 32 MiB block's end
    [InlineData(VhdDiskType.Dynamic, 48 * MiB, (13 * MiB) + 4096, 4, 4096)] // shrink, 4096-byte sectors
    [InlineData(VhdDiskType.Dynamic, 40 * MiB, 9 * MiB, 2, 512)] // shrink
    [InlineData(VhdDiskType.Fixed, 10 * MiB, 26 * MiB, 2, 512)] // grow: new blocks FULLY_PRESENT, zeros
    [InlineData(VhdDiskType.Fixed, 12 * MiB, 20 * MiB, 1, 4096)]
    [InlineData(VhdDiskType.Fixed, 24 * MiB, (9 * MiB) + 512, 8, 512)] // shrink: the file is cut
    public void A_resized_vhdx_holds_its_old_content_in_every_reader(VhdDiskType type, long from, long to, int? blockMiB, int logical)
    {
        string path = _folder.File("d.vhdx");
        VhdxTestFiles.Create(path, type, from, (int?)(blockMiB * MiB), logical);
        byte[] model = WriteData(path, from, Math.Min(from, to), seed: (int)(from / MiB));
        long fileBefore = new FileInfo(path).Length;

        ResizeResult result = ResizeOperation.Run(new ResizeRequest(path, to));
        Assert.Equal((from, to), (result.SizeBefore, result.SizeAfter));
        byte[] expected = new byte[to];
        model.AsSpan(0, (int)Math.Min(from, to)).CopyTo(expected);
        AssertEveryReader(path, expected, logical);
        if (to < from && type == VhdDiskType.Fixed)
        {
            Assert.True(new FileInfo(path).Length < fileBefore, "a shrunk fixed VHDX keeps its old length");
        }

        // A second resize on the result works too (back to the old size: the dropped part reads zeros).
        ResizeOperation.Run(new ResizeRequest(path, from));
        byte[] back = new byte[from];
        expected.AsSpan(0, (int)Math.Min(from, to)).CopyTo(back);
        AssertOurs(path, back);
        Assert.True(CheckOperation.Run(new CheckRequest(path)).IsClean);
    }

    [SkippableFact]
    public void A_dynamic_vhdx_grown_past_its_bat_region_gets_a_new_bat_and_reads_in_every_reader()
    {
        // 1 MiB blocks: the 1 MiB BAT region holds 131,040 blocks' entries (128 GiB less a little); 130 GiB needs 2 MiB.
        string path = _folder.File("big.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 64 * MiB, (int)MiB);
        byte[] model = WriteData(path, 64 * MiB, 64 * MiB, seed: 3);
        VhdxRegionEntry before = BatRegion(path);
        const long To = 130L << 30;

        ResizeOperation.Run(new ResizeRequest(path, To));
        VhdxRegionEntry after = BatRegion(path);
        Assert.NotEqual(before.FileOffset, after.FileOffset);
        Assert.Equal(2 * MiB, after.Length);
        AssertRegionTableCopiesEqual(path);
        Assert.True(CheckOperation.Run(new CheckRequest(path)).IsClean);

        // Write past the old BAT's reach, then read both ends in us, qemu and the spec reader.
        byte[] tail = VhdxTestFiles.Pattern((int)MiB, 9);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(tail, To - MiB);
        }

        using (VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true }))
        {
            Assert.Equal(To, disk.Capacity);
            var head = new byte[64 * MiB];
            disk.Read(head, 0);
            ChainBuilder.AssertBytes(model, head);
            var end = new byte[MiB];
            disk.Read(end, To - MiB);
            ChainBuilder.AssertBytes(tail, end);
        }

        string qemuImg = PeerTools.Require("qemu-img");
        Assert.Equal(To, Peers.QemuImgInfo(path, "vhdx").VirtualSize);
        PeerTools.RunOk(qemuImg, "check", "-f", "vhdx", path);
        Assert.Equal(model, QemuRange(path, 0, 64));
        Assert.Equal(tail, QemuRange(path, (To / MiB) - 1, 1));
        JsonElement spec = VhdxSpecReader.Info(path);
        Assert.Equal(To, spec.GetProperty("virtual_disk_size").GetInt64());
        Assert.Equal(FullyPresentBlocks(path), spec.GetProperty("block_states").GetProperty("6").GetInt32());
        Assert.Equal(To, Peers.VhdiInfoOf(path).MediaSize);

        // And back down: the file is cut past the last block still named.
        long grownLength = new FileInfo(path).Length;
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[MiB], To - MiB); // the tail zeroed: shrinking loses nothing
        }

        ResizeOperation.Run(new ResizeRequest(path, 64 * MiB));
        AssertEveryReader(path, model, 512);
        Assert.True(new FileInfo(path).Length <= grownLength);
    }

    [SkippableFact]
    public void A_fixed_vhdx_grown_past_its_bat_region_is_sparse_and_reads_zeros_in_its_new_blocks()
    {
        string path = _folder.File("fixed-big.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Fixed, 8 * MiB, (int)MiB);
        byte[] model = WriteData(path, 8 * MiB, 8 * MiB, seed: 4);
        const long To = 129L << 30;

        ResizeOperation.Run(new ResizeRequest(path, To));
        Assert.Equal(2 * MiB, BatRegion(path).Length);
        AssertRegionTableCopiesEqual(path);
        using (VhdxImage image = VhdxImage.Open(path))
        {
            Assert.Equal(VhdDiskType.Fixed, image.DiskType);
            Assert.Equal(VhdxBlockState.FullyPresent, image.PayloadEntry(image.Geometry.DataBlockCount - 1).State);
        }

        Assert.True(CheckOperation.Run(new CheckRequest(path)).IsClean);
        long allocated = long.Parse(PeerTools.RunOk("stat", "-c", "%b", path).Trim(), System.Globalization.CultureInfo.InvariantCulture) * 512;
        Assert.True(allocated < 64 * MiB, $"the grown fixed VHDX allocates {allocated} bytes; its new blocks should be sparse");
        using (VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true }))
        {
            var head = new byte[8 * MiB];
            disk.Read(head, 0);
            ChainBuilder.AssertBytes(model, head);
            var end = new byte[MiB];
            disk.Read(end, To - MiB);
            Assert.True(end.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        }

        Assert.Equal(To, Peers.QemuImgInfo(path, "vhdx").VirtualSize);
        PeerTools.RunOk(PeerTools.Require("qemu-img"), "check", "-f", "vhdx", path);
        Assert.Equal(model, QemuRange(path, 0, 8));
        Assert.Equal(new byte[MiB], QemuRange(path, (To / MiB) - 1, 1));
        Assert.Equal(To, Peers.VhdiInfoOf(path).MediaSize); // (the spec reader holds the whole file in memory: not for 129 GiB)
    }

    [SkippableTheory]
    [InlineData("dynamic", 48 * MiB)] // grow in place
    [InlineData("dynamic", 200L << 30)] // qemu sized the BAT region for 20 MiB: it moves
    [InlineData("dynamic", 12 * MiB)] // shrink
    [InlineData("fixed", 30 * MiB)]
    [InlineData("fixed", 12 * MiB)]
    public void A_qemu_made_vhdx_resized_by_us_reads_in_qemu_with_its_content(string subformat, long to)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string path = _folder.File("q.vhdx");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vhdx", "-o", $"block_size=1M,subformat={subformat}", path, "20M");
        PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", "write -P 0x5a 1M 3M", "-c", "write -P 0x33 9M 2M", path);

        ResizeOperation.Run(new ResizeRequest(path, to));
        Assert.Equal(to, Peers.QemuImgInfo(path, "vhdx").VirtualSize);
        PeerTools.RunOk(qemuImg, "check", "-f", "vhdx", path);
        byte[] head = new byte[12 * MiB];
        head.AsSpan((int)MiB, 3 * (int)MiB).Fill(0x5a);
        head.AsSpan(9 * (int)MiB, 2 * (int)MiB).Fill(0x33);
        Assert.Equal(head, QemuRange(path, 0, 12));
        using (VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true }))
        {
            var ours = new byte[12 * MiB];
            disk.Read(ours, 0);
            ChainBuilder.AssertBytes(head, ours);
            var last = new byte[MiB];
            disk.Read(last, to - MiB);
            Assert.True(last.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        }

        Assert.Equal(new byte[MiB], QemuRange(path, (to / MiB) - 1, 1));
        Assert.True(CheckOperation.Run(new CheckRequest(path)).IsClean);

        // qemu writes on after us, past the old end.
        PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", $"write -P 0x77 {to - MiB} 64k", path);
        PeerTools.RunOk(qemuImg, "check", "-f", "vhdx", path);
        using (VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true }))
        {
            var last = new byte[64 * 1024];
            disk.Read(last, to - MiB);
            Assert.True(last.AsSpan().IndexOfAnyExcept((byte)0x77) < 0);
        }
    }

    [SkippableFact]
    public void A_grow_zeroes_what_the_old_last_block_held_past_the_old_end()
    {
        // Another writer may leave bytes past the virtual end inside the last block; growing must not show them.
        string path = _folder.File("tail.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Fixed, 3 * MiB, 2 * (int)MiB);
        long lastBlock;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            lastBlock = (long)image.PayloadEntry(1).FileOffset;
        }

        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = lastBlock + MiB;
            file.Write(VhdxTestFiles.Pattern((int)MiB, 5));
        }

        ResizeOperation.Run(new ResizeRequest(path, 4 * MiB));
        AssertEveryReader(path, new byte[4 * MiB], 512);
    }

    [SkippableFact]
    public void A_differencing_chain_refuses_a_resize_of_its_leaf_and_of_its_parent_and_stays_readable()
    {
        string parent = _folder.File("base.vhdx");
        string child = _folder.File("child.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, 8 * MiB, (int)MiB);
        byte[] model = WriteData(parent, 8 * MiB, 8 * MiB, seed: 6);
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: parent);
        byte[] parentBytes = File.ReadAllBytes(parent);
        byte[] childBytes = File.ReadAllBytes(child);

        var leaf = Assert.Throws<WrongImageTypeException>(() => ResizeOperation.Run(new ResizeRequest(child, 16 * MiB)));
        Assert.Contains("differencing VHDX's size is its parent's", leaf.Message, StringComparison.Ordinal);
        var withChild = Assert.Throws<InvalidOperationException>(() => ResizeOperation.Run(new ResizeRequest(parent, 16 * MiB)));
        Assert.Contains(child, withChild.Message, StringComparison.Ordinal);

        Assert.Equal(parentBytes, File.ReadAllBytes(parent));
        Assert.Equal(childBytes, File.ReadAllBytes(child));
        using (VirtualDisk disk = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }))
        {
            ChainBuilder.AssertContent(model, disk);
        }

        AssertEveryReader(parent, model, 512);
        // (pyvhdi is left out here: libvhdi 20210425 reads byte 65536 of this empty child as the child's own header 1,
        // "head...", where the parent holds zeros; a misread of libvhdi, not of the chain: noted in docs/vhdx.md.)
        ChainBuilder.AssertBytes(model, VhdxSpecReader.Content(child, child + ".spec", parent));

        // Once the child is gone, the parent resizes.
        File.Delete(child);
        ResizeOperation.Run(new ResizeRequest(parent, 16 * MiB));
    }

    [Theory]
    [InlineData(512, 1000L)] // not a multiple of the logical sector size
    [InlineData(4096, (8 * MiB) + 512)]
    [InlineData(512, 0L)]
    [InlineData(512, (64L << 40) + 512)] // past 64 TiB
    [InlineData(512, 64L << 40)] // 64 TiB in 1 MiB blocks: more BAT entries than a reader takes
    public void A_bad_size_is_refused_and_the_vhdx_unchanged(int logical, long size)
    {
        string path = _folder.File("bad.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8 * MiB, (int)MiB, logical);
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<ArgumentOutOfRangeException>(() => ResizeOperation.Run(new ResizeRequest(path, size)));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData(VhdDiskType.Dynamic)]
    [InlineData(VhdDiskType.Fixed)]
    public void A_shrink_that_would_drop_data_is_refused_and_the_vhdx_unchanged(VhdDiskType type)
    {
        string path = _folder.File("full.vhdx");
        VhdxTestFiles.Create(path, type, 16 * MiB, (int)MiB);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[] { 0, 0, 7, 0 }.Concat(new byte[508]).ToArray(), (12 * MiB) + 512);
        }

        byte[] before = File.ReadAllBytes(path);
        var refused = Assert.Throws<InvalidOperationException>(() => ResizeOperation.Run(new ResizeRequest(path, 10 * MiB)));
        Assert.Contains($"holds data at byte {(12 * MiB) + 514}", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));

        // Past the block holding the byte, only zeros are stored (a fixed disk's blocks), or nothing: allowed.
        ResizeOperation.Run(new ResizeRequest(path, 13 * MiB));
        var expected = new byte[13 * MiB];
        expected[(12 * MiB) + 514] = 7;
        AssertOurs(path, expected);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(4)]
    public void A_cancelled_vhdx_resize_writes_nothing(int toMiB)
    {
        string path = _folder.File("cancel.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Fixed, 8 * MiB, (int)MiB);
        byte[] before = File.ReadAllBytes(path);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ResizeOperation.Run(new ResizeRequest(path, toMiB * MiB), null, cancelled.Token));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_vhdx_in_use_is_refused_and_unchanged()
    {
        string path = _folder.File("busy.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8 * MiB);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            Assert.Throws<ImageInUseException>(() => ResizeOperation.Run(new ResizeRequest(path, 16 * MiB)));
        }

        using VhdxImage image = VhdxImage.Open(path);
        Assert.Equal(8 * MiB, image.Capacity);
    }

    [SkippableFact]
    public void A_vhdx_on_a_read_only_volume_is_refused_and_unchanged()
    {
        using Tmpfs volume = Tmpfs.Mount("size=16m");
        string path = volume.File("ro.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8 * MiB);
        byte[] before = File.ReadAllBytes(path);
        volume.Remount("ro");
        Exception refused = Record.Exception(() => ResizeOperation.Run(new ResizeRequest(path, 16 * MiB)))!;
        Assert.True(refused is IOException or UnauthorizedAccessException, refused?.ToString());
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Cli_resize_of_a_vhdx_takes_relative_sizes_and_reports_json()
    {
        string path = _folder.File("cli.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8 * MiB);
        ProcessResult grown = CliRunner.Run("resize", path, "+8M", "--output", "json");
        Assert.True(grown.ExitCode == 0, grown.Stderr);
        using (JsonDocument json = JsonDocument.Parse(grown.Stdout))
        {
            Assert.Equal(16 * MiB, json.RootElement.GetProperty("virtual-size").GetInt64());
            Assert.Equal(8 * MiB, json.RootElement.GetProperty("virtual-size-before").GetInt64());
        }

        ProcessResult shrunk = CliRunner.Run("resize", "--shrink", path, "-4M");
        Assert.True(shrunk.ExitCode == 0, shrunk.Stderr);
        using (VhdxImage image = VhdxImage.Open(path))
        {
            Assert.Equal(12 * MiB, image.Capacity);
        }

        ProcessResult bad = CliRunner.Run("resize", path, "1000");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("multiple of its logical sector size", bad.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Writes random data below <paramref name="dataEnd"/> through VhdKit's writer; returns the disk's content.</summary>
    internal static byte[] WriteData(string path, long size, long dataEnd, int seed)
    {
        var model = new byte[size];
        var random = new Random(seed);
        int sector;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            sector = image.LogicalSectorSize;
        }

        using VirtualDisk disk = VirtualDisk.Open(path);
        for (int i = 0; i < 12; i++)
        {
            int length = random.Next(1, (int)Math.Min(600_000, dataEnd) / sector) * sector;
            long offset = random.NextInt64(0, ((dataEnd - length) / sector) + 1) * sector;
            var data = new byte[length];
            random.NextBytes(data);
            disk.Write(data, offset);
            data.CopyTo(model, offset);
        }

        return model;
    }

    private static void AssertEveryReader(string path, byte[] expected, int logical)
    {
        AssertOurs(path, expected);
        CheckResult check = CheckOperation.Run(new CheckRequest(path));
        Assert.True(check.IsClean, string.Join("; ", check.Faults.Select(f => f.Message)));
        ChainBuilder.AssertBytes(expected, VhdxSpecReader.Content(path, path + ".spec"));
        Assert.Equal(expected.Length, VhdxSpecReader.Info(path).GetProperty("virtual_disk_size").GetInt64());
        if (logical == 512)
        {
            // qemu-img 7.2 cannot open 4096-byte logical sector VHDX.
            string qemuImg = PeerTools.Require("qemu-img");
            Assert.Equal(expected.Length, Peers.QemuImgInfo(path, "vhdx").VirtualSize);
            PeerTools.RunOk(qemuImg, "check", "-f", "vhdx", path);
            string raw = path + ".raw";
            File.Delete(raw);
            PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", path, raw);
            ChainBuilder.AssertBytes(expected, File.ReadAllBytes(raw));
        }

        Assert.Equal(expected.Length, Peers.VhdiInfoOf(path).MediaSize);
        ChainBuilder.AssertBytes(expected, PyvhdiChain.Content(path + ".pyvhdi", path));
    }

    private static void AssertOurs(string path, byte[] expected)
    {
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        ChainBuilder.AssertContent(expected, disk);
    }

    /// <summary><paramref name="countMiB"/> MiB from MiB <paramref name="startMiB"/> as qemu reads them (qemu-img 7.2's dd counts <c>count</c> from the start, skipped blocks included).</summary>
    private byte[] QemuRange(string path, long startMiB, long countMiB)
    {
        string output = _folder.File($"range-{startMiB}.raw");
        File.Delete(output);
        PeerTools.RunOk(PeerTools.Require("qemu-img"), "dd", "-f", "vhdx", "-O", "raw", "bs=1M", $"skip={startMiB}", $"count={startMiB + countMiB}", $"if={path}", $"of={output}");
        return File.ReadAllBytes(output);
    }

    private static int FullyPresentBlocks(string path)
    {
        using VhdxImage image = VhdxImage.Open(path);
        int count = 0;
        for (long block = 0; block < image.Geometry.DataBlockCount; block++)
        {
            count += image.PayloadEntry(block).State == VhdxBlockState.FullyPresent ? 1 : 0;
        }

        return count;
    }

    private static VhdxRegionEntry BatRegion(string path)
    {
        using VhdxImage image = VhdxImage.Open(path);
        Assert.Equal(1, image.RegionTableCopy);
        return image.RegionTable.Find(VhdxGuids.BatRegion)!.Value;
    }

    private static void AssertRegionTableCopiesEqual(string path)
    {
        byte[] file = ReadShared(path, VhdxLayout.RegionTable2Offset + VhdxRegionTable.Size);
        Assert.True(file.AsSpan((int)VhdxLayout.RegionTable1Offset, VhdxRegionTable.Size).SequenceEqual(file.AsSpan((int)VhdxLayout.RegionTable2Offset, VhdxRegionTable.Size)));
        Assert.True(VhdxRegionTable.Parse(file.AsSpan((int)VhdxLayout.RegionTable2Offset, VhdxRegionTable.Size)).IsValid);
        Assert.NotEqual(0u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)VhdxLayout.RegionTable1Offset + 4)));
    }

    private static byte[] ReadShared(string path, long length = long.MaxValue)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[Math.Min(length, stream.Length)];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
