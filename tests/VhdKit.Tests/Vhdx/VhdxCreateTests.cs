using System.Text.Json;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>VHDX files VhdKit creates: accepted by qemu-img, read alike by qemu, the spec reader and libvhdi.</summary>
public class VhdxCreateTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(VhdDiskType.Dynamic, 64L * MiB, null, null)]
    [InlineData(VhdDiskType.Dynamic, (3L * 1024 * MiB) + 4096, 1 * MiB, 512)]
    [InlineData(VhdDiskType.Dynamic, 10L * MiB + 512, 256 * MiB, 512)]
    [InlineData(VhdDiskType.Fixed, 40L * MiB, null, null)]
    [InlineData(VhdDiskType.Fixed, 9L * MiB, 1 * MiB, 512)]
    public void Qemu_img_accepts_our_vhdx_with_the_same_size(VhdDiskType type, long size, int? blockSize, int? logical)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string path = _folder.File("ours.vhdx");
        CreateResult result = VhdxTestFiles.Create(path, type, size, blockSize, logical);
        Assert.Equal(type, result.Type);
        Assert.Equal(size, result.VirtualSize);
        Assert.Equal(blockSize ?? 32 * MiB, result.BlockSize);

        using JsonDocument info = JsonDocument.Parse(PeerTools.RunOk(qemuImg, "info", "--output=json", "-f", "vhdx", path));
        Assert.Equal(size, info.RootElement.GetProperty("virtual-size").GetInt64());
        Assert.Equal(blockSize ?? 32 * MiB, info.RootElement.GetProperty("cluster-size").GetInt64());
        PeerTools.RunOk(qemuImg, "check", "-f", "vhdx", path);

        JsonElement spec = VhdxSpecReader.Info(path);
        Assert.Equal(size, spec.GetProperty("virtual_disk_size").GetInt64());
        Assert.Equal(logical ?? 512, spec.GetProperty("logical_sector_size").GetInt32());
        Assert.Equal(4096, spec.GetProperty("physical_sector_size").GetInt32());
        Assert.Equal(type == VhdDiskType.Fixed, spec.GetProperty("leave_block_allocated").GetBoolean());
    }

    /// <summary>qemu-img 7.2 opens only 512-byte logical sectors ("Operation not supported"); libvhdi reads 4096 ones.</summary>
    [SkippableTheory]
    [InlineData(VhdDiskType.Dynamic, (3L * 1024 * MiB) + 4096, 1 * MiB)]
    [InlineData(VhdDiskType.Fixed, 9L * MiB, null)]
    public void Libvhdi_reads_our_4096_byte_sector_vhdx_with_the_same_size_where_qemu_cannot(VhdDiskType type, long size, int? blockSize)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string vhdiinfo = PeerTools.Require("vhdiinfo");
        string path = _folder.File("ours4k.vhdx");
        VhdxTestFiles.Create(path, type, size, blockSize, 4096);
        ProcessResult qemu = PeerTools.Run(qemuImg, ["info", "-f", "vhdx", path]);
        Assert.Contains("Operation not supported", qemu.Stderr, StringComparison.Ordinal);
        string info = PeerTools.RunOk(vhdiinfo, path);
        Assert.Contains($"({size} bytes)", info, StringComparison.Ordinal);
        Assert.Contains("Bytes per sector\t: 4096 bytes", info, StringComparison.Ordinal);
        JsonElement spec = VhdxSpecReader.Info(path);
        Assert.Equal(size, spec.GetProperty("virtual_disk_size").GetInt64());
        Assert.Equal(4096, spec.GetProperty("logical_sector_size").GetInt32());
    }

    [SkippableTheory]
    [InlineData(512)]
    public void Qemu_reads_our_fixed_vhdx_as_we_do(int logical)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string path = _folder.File("f.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Fixed, 6L * MiB, 1 * MiB, logical);
        VhdxTestFiles.WriteFixed(path, 0, VhdxTestFiles.Pattern(8192, 1));
        VhdxTestFiles.WriteFixed(path, (3L * MiB) - 4096, VhdxTestFiles.Pattern(12288, 2));
        string raw = _folder.File("f.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", path, raw);
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        var ours = new byte[disk.Capacity];
        Assert.Equal(ours.Length, disk.Read(ours, 0));
        Assert.True(File.ReadAllBytes(raw).AsSpan().SequenceEqual(ours), "qemu-img convert differs from our content");
        Assert.True(VhdxSpecReader.Content(path, _folder.File("spec.raw")).AsSpan().SequenceEqual(ours), "the spec reader differs");
        Assert.Equal(VhdxTestFiles.Pattern(8192, 1), ours[..8192]);
    }

    /// <summary>A base with data, a child on it and a grandchild, each with some sectors of its own: a model of the content.</summary>
    private (string Leaf, string[] Chain, byte[] Model) Chain(int logical)
    {
        string basePath = _folder.File("base.vhdx");
        string child = _folder.File("sub/child.vhdx");
        string grandchild = _folder.File("sub/grandchild.vhdx");
        long size = 8L * MiB;
        var model = new byte[size];
        VhdxTestFiles.Create(basePath, VhdDiskType.Fixed, size, 1 * MiB, logical);
        void Put(string path, long offset, byte[] data, bool isFixed)
        {
            if (isFixed)
            {
                VhdxTestFiles.WriteFixed(path, offset, data);
            }
            else
            {
                VhdxTestFiles.WriteChild(path, offset, data);
            }

            data.CopyTo(model, offset);
        }

        Put(basePath, 0, VhdxTestFiles.Pattern(3 * MiB, 10), true);
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: basePath);
        Put(child, 4096, VhdxTestFiles.Pattern(8192, 11), false);
        Put(child, (2L * MiB) + (64 * 1024), VhdxTestFiles.Pattern(logical * 3, 12), false);
        Put(child, 5L * MiB, VhdxTestFiles.Pattern(64 * 1024, 13), false);
        VhdxTestFiles.Create(grandchild, VhdDiskType.Differencing, parent: child);
        Put(grandchild, 8192, VhdxTestFiles.Pattern(logical, 14), false);
        Put(grandchild, (5L * MiB) + 4096, VhdxTestFiles.Pattern(4096, 15), false);
        return (grandchild, [grandchild, child, basePath], model);
    }

    [SkippableTheory]
    [InlineData(512)]
    [InlineData(4096)]
    public void A_differencing_chain_reads_as_the_model_in_us_and_in_the_spec_reader(int logical)
    {
        (string leaf, string[] chain, byte[] model) = Chain(logical);
        using (VirtualDisk disk = VirtualDisk.Open(leaf, new VirtualDiskOptions { ReadOnly = true }))
        {
            Assert.Equal(VhdKit.Formats.ImageFormat.Vhdx, disk.Format);
            Assert.Equal(3, disk.VhdxChain!.Images.Length);
            Assert.Equal(VhdDiskType.Differencing, disk.VhdxChain.Leaf.DiskType);
            Assert.Equal(2 * MiB, disk.VhdxChain.Leaf.BlockSize); // Hyper-V's differencing default
            var ours = new byte[disk.Capacity];
            Assert.Equal(ours.Length, disk.Read(ours, 0));
            Assert.True(model.AsSpan().SequenceEqual(ours), "our chain read differs from the model");

            // Unaligned reads across runs of different layers.
            var part = new byte[10000];
            disk.Read(part, 4000);
            Assert.Equal(model.AsSpan(4000, 10000).ToArray(), part);
        }

        Assert.True(VhdxSpecReader.Content(chain[0], _folder.File("spec.raw"), chain[1..]).AsSpan().SequenceEqual(model), "the spec reader differs from the model");
    }

    [SkippableFact]
    public void Libvhdi_reads_our_differencing_vhdx_with_the_parents_and_the_childs_content()
    {
        PeerTools.RequirePyvhdi();
        string vhdiinfo = PeerTools.Require("vhdiinfo");
        (string leaf, string[] chain, byte[] model) = Chain(512);
        string output = PeerTools.RunOk(vhdiinfo, chain[1]);
        Assert.Contains("VHDX", output, StringComparison.Ordinal);
        Assert.Contains("Differential", output, StringComparison.OrdinalIgnoreCase);

        byte[] theirs = PyvhdiChain.Content(_folder.File("pyvhdi.raw"), chain);
        Assert.True(model.AsSpan().SequenceEqual(theirs), $"pyvhdi differs from the model first at byte {model.AsSpan().CommonPrefixLength(theirs)}");
        _ = leaf;
    }

    [Fact]
    public void A_vhd_parent_under_a_vhdx_child_is_refused_as_hyper_v_refuses_it()
    {
        string parent = _folder.File("p.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, 8L * MiB));
        var e = Assert.Throws<VhdxFormatException>(() => VhdxTestFiles.Create(_folder.File("c.vhdx"), VhdDiskType.Differencing, parent: parent));
        Assert.Contains("needs a VHDX parent", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("c.vhdx")));
    }

    [Fact]
    public void A_child_whose_parent_changed_is_refused_naming_both_guids()
    {
        string parent = _folder.File("p.vhdx");
        string child = _folder.File("c.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, 8L * MiB);
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: parent);

        // A new DataWriteGuid in the parent's current header: what a writer does at its first data write.
        using (var file = new FileStream(parent, FileMode.Open, FileAccess.ReadWrite))
        {
            var bytes = new byte[4096];
            file.Position = VhdxLayout.Header2Offset;
            file.ReadExactly(bytes);
            VhdxHeader header = VhdxHeader.Parse(bytes) with { DataWriteGuid = Guid.NewGuid(), SequenceNumber = 2 };
            header.WriteTo(bytes);
            file.Position = VhdxLayout.Header1Offset;
            file.Write(bytes);
        }

        var e = Assert.Throws<ParentResolutionException>(() => VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }));
        Assert.Equal(ParentResolutionFailure.IdMismatch, e.Failure);
        Assert.Contains("parent_linkage", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_parent_lists_every_path_tried()
    {
        string parent = _folder.File("p.vhdx");
        string child = _folder.File("c.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, 8L * MiB);
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: parent);
        File.Delete(parent);
        var e = Assert.Throws<ParentResolutionException>(() => VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }));
        Assert.Equal(ParentResolutionFailure.NotFound, e.Failure);
        Assert.Contains(@"relative_path '.\p.vhdx'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_vhdx_opened_for_writing_is_writable_and_kept_from_other_openers()
    {
        string path = _folder.File("w.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8L * MiB);
        using VirtualDisk disk = VirtualDisk.Open(path);
        Assert.True(disk.CanWrite);
        Assert.Throws<ImageInUseException>(() => VirtualDisk.Open(path));
    }

    [Theory]
    [InlineData(1000L, null, null)] // not a multiple of 512
    [InlineData(8L * MiB, 3 * MiB, null)] // not a power of two
    [InlineData(8L * MiB, 512 * MiB, null)] // over 256 MiB
    [InlineData(8L * MiB, null, 1024)] // no such sector size
    [InlineData(8L * MiB + 512, null, 4096)] // not a multiple of 4096
    public void Out_of_range_vhdx_parameters_are_refused_and_nothing_is_left(long size, int? blockSize, int? logical)
    {
        string path = _folder.File("bad.vhdx");
        Assert.ThrowsAny<ArgumentException>(() => VhdxTestFiles.Create(path, VhdDiskType.Dynamic, size, blockSize, logical));
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }
}
