using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// VHDX images made and written by qemu-img/qemu-io, read by us with qemu's content and the spec reader's. (qemu-img
/// 7.2 cannot make 4096-byte logical sectors or differencing VHDX; those come from our own writer's tests.)
/// </summary>
public class QemuMadeVhdxTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static readonly string[] Writes =
    [
        "write -P 0xab 0 64k",
        "write -P 0x5c 1048064 1k", // across the first 1 MiB boundary, sector-aligned
        "write -P 0x77 3M 512",
        "write -z 3M 512",
        "write -P 0xee 9437184 4k",
    ];

    [SkippableTheory]
    [InlineData("dynamic", "10M", "0", true)]
    [InlineData("dynamic", "10M", "1M", true)]
    [InlineData("dynamic", "33M", "16M", false)]
    [InlineData("fixed", "10M", "0", true)]
    [InlineData("fixed", "12M", "2M", false)]
    [InlineData("dynamic", "1G", "0", true)]
    public void A_qemu_made_vhdx_reads_as_qemu_reads_it(string subformat, string size, string blockSize, bool zeroState)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string path = _folder.File("q.vhdx");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vhdx", "-o", $"subformat={subformat},block_size={blockSize},block_state_zero={(zeroState ? "on" : "off")}", path, size);
        foreach (string write in Writes)
        {
            PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", write, path);
        }

        string raw = _folder.File("q.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", path, raw);
        byte[] expected = File.ReadAllBytes(raw);

        using VhdxImage image = VhdxImage.Open(path);
        Assert.Equal(expected.Length, image.Capacity);
        Assert.Equal(subformat == "fixed" ? VhdDiskType.Fixed : VhdDiskType.Dynamic, image.DiskType);
        Assert.Null(image.LogReplay);
        var ours = new byte[image.Capacity];
        image.ReadOwn(ours, 0);
        Assert.True(expected.AsSpan().SequenceEqual(ours), "our content differs from qemu-img convert's");

        var info = VhdxSpecReader.Info(path);
        Assert.Equal(image.Capacity, info.GetProperty("virtual_disk_size").GetInt64());
        Assert.Equal(image.BlockSize, info.GetProperty("block_size").GetInt32());
        Assert.Equal(image.LogicalSectorSize, info.GetProperty("logical_sector_size").GetInt32());
        Assert.Equal(image.CurrentHeader, info.GetProperty("header").GetInt32());
        Assert.Equal(image.DataWriteGuid, Guid.Parse(info.GetProperty("data_write_guid").GetString()!));
        Assert.Equal(image.Geometry.TotalEntries, info.GetProperty("bat_entries").GetInt64());
        Assert.Equal(image.Geometry.ChunkRatio, info.GetProperty("chunk_ratio").GetInt64());
        Assert.True(expected.AsSpan().SequenceEqual(VhdxSpecReader.Content(path, _folder.File("spec.raw"))), "the spec reader's content differs from qemu's");
    }

    [SkippableFact]
    public void Qemus_zero_block_state_reads_as_zeros()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string path = _folder.File("z.vhdx");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vhdx", "-o", "block_size=1M", path, "4M");
        PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", "write -P 0x11 1M 1M", path);
        using VhdxImage image = VhdxImage.Open(path);
        Assert.Equal(VhdxBlockState.Zero, VhdxBlockStateOf(image, 0));
        Assert.Equal(LayerRun.Zero, image.Map(0, 4 << 20, out _, out long length));
        Assert.Equal(1L << 20, length);
        Assert.Equal(LayerRun.Held, image.Map(1 << 20, 4 << 20, out long fileOffset, out length));
        Assert.Equal(1L << 20, length);
        Assert.Equal(0, fileOffset % (1 << 20));
    }

    private static VhdxBlockState VhdxBlockStateOf(VhdxImage image, long block) => image.PayloadEntry(block).State;
}
