using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class ResizeTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(8 * MiB, 12 * MiB)] // the table stays in its sector
    [InlineData(8 * MiB, 600 * MiB)] // the table moves past the end
    public void A_dynamic_disk_grows_keeping_its_content_and_the_new_space_is_usable(long from, long to)
    {
        var chain = new ChainBuilder(_folder.Path, from, 8);
        chain.AddLayer(4, maxWrite: 1024 * 1024);
        ResizeOperation.Run(new ResizeRequest(chain.Leaf, to));
        using (VirtualDisk disk = VirtualDisk.Open(chain.Leaf))
        {
            Assert.Equal(to, disk.Capacity);
            Assert.Empty(disk.Warnings);
            var head = new byte[from];
            disk.Read(head, 0);
            ChainBuilder.AssertBytes(chain.Model, head);
            var tail = new byte[4096];
            disk.Read(tail, to - 4096);
            Assert.True(tail.AsSpan().IndexOfAnyExcept((byte)0) < 0);
            disk.Write("end"u8, to - 3);
        }

        Assert.Equal((byte)'d', DiskBytes.Of(chain.Leaf)[^1]);
        Assert.Equal(to, Peers.QemuImgInfo(chain.Leaf).VirtualSize);
    }

    [Fact]
    public void A_dynamic_disk_shrinks_only_when_nothing_is_stored_past_the_new_end()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 16 * MiB);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[] { 1 }, 10 * MiB);
        }

        Assert.Throws<InvalidOperationException>(() => ResizeOperation.Run(new ResizeRequest(path, 8 * MiB)));
        ResizeOperation.Run(new ResizeRequest(path, 12 * MiB));
        using VhdImage image = VhdImage.Open(path);
        Assert.Equal(12 * MiB, image.Capacity);
        Assert.Equal(6, image.Bat!.Count);
    }

    [SkippableFact]
    public void A_fixed_disk_grows_with_zeros_and_does_not_shrink()
    {
        string path = ImageFiles.Fixed(_folder.File("f.vhd"), 4 * MiB);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[] { 7 }, (4 * MiB) - 1);
        }

        ResizeOperation.Run(new ResizeRequest(path, 6 * MiB));
        byte[] content = DiskBytes.Of(path);
        Assert.Equal(6 * MiB, content.Length);
        Assert.Equal(7, content[(4 * MiB) - 1]);
        Assert.True(content.AsSpan((int)(4 * MiB)).IndexOfAnyExcept((byte)0) < 0, "the old footer shows through the new space");
        Assert.Equal(6 * MiB, Peers.QemuImgInfo(path, "vpc").VirtualSize);
        Assert.Throws<InvalidOperationException>(() => ResizeOperation.Run(new ResizeRequest(path, 4 * MiB)));
    }

    [Fact]
    public void Differencing_disks_and_parents_with_children_are_refused()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        Assert.Throws<WrongImageTypeException>(() => ResizeOperation.Run(new ResizeRequest(child, 16 * MiB)));
        var error = Assert.Throws<InvalidOperationException>(() => ResizeOperation.Run(new ResizeRequest(parent, 16 * MiB)));
        Assert.Contains("c.vhd", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ResizeOperation.Run(new ResizeRequest(parent, 1000)));
    }

    [Fact]
    public void Cli_resize()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"), 8 * MiB);
        Assert.Equal(0, CliRunner.Run("resize", "--size", "1GiB", path).ExitCode);
        using VhdImage image = VhdImage.Open(path);
        Assert.Equal(1024 * MiB, image.Capacity);
        Assert.NotEqual(0, CliRunner.Run("resize", "--size", "1MiB", path).ExitCode);
    }

    [Fact]
    public void Resize_of_an_image_whose_end_footer_is_lost_keeps_its_last_block()
    {
        string path = ImageFiles.Dynamic(_folder.File("lost.vhd"), 8 * MiB);
        var lastBlock = new byte[2 * MiB];
        new Random(4).NextBytes(lastBlock);
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(lastBlock, 6 * MiB);
        }

        // The end footer is lost (the file ends where its last block does); the copy at offset 0 is intact.
        using (var stream = new FileStream(path, FileMode.Open))
        {
            stream.SetLength(stream.Length - 512);
        }

        ResizeOperation.Run(new ResizeRequest(path, 12 * MiB));
        byte[] content = DiskBytes.Of(path);
        Assert.Equal(12 * MiB, content.Length);
        ChainBuilder.AssertBytes(lastBlock, content.AsSpan((int)(6 * MiB), (int)(2 * MiB)).ToArray());
        RepairOperation.Run(new RepairRequest(path));
        ChainBuilder.AssertBytes(lastBlock, DiskBytes.Of(path).AsSpan((int)(6 * MiB), (int)(2 * MiB)).ToArray());
    }

    [Fact]
    public void Resize_keeps_non_zero_reserved_header_bytes_and_the_image_opens()
    {
        string path = ImageFiles.Dynamic(_folder.File("reserved.vhd"), 8 * MiB);
        var header = new byte[1024];
        using (var stream = File.OpenRead(path))
        {
            stream.Position = 512;
            stream.ReadExactly(header);
        }

        header[1000] = 0x5A; // a reserved byte in the header's second sector (some writer's private mark)
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(36), VhdKit.Format.VhdChecksum.Compute(header, 36));
        ImageFiles.WriteRaw(path, 512, header);

        ResizeOperation.Run(new ResizeRequest(path, 12 * MiB));
        using VhdImage image = VhdImage.Open(path);
        Assert.Equal(12 * MiB, image.Capacity);
        var after = new byte[1024];
        image.Storage.ReadExactly(after, 512, "header");
        Assert.Equal(0x5A, after[1000]);
    }

    [Theory]
    [InlineData("tap\0", (100 * MiB) + 512, "tap\0")] // blktap: qemu takes its current size; the creator stays
    [InlineData("qemu", (100 * MiB) + 512, "win ")] // qemu would read C*H*S, rounded down: our creator
    [InlineData("qemu", 504 * MiB, "qemu")] // C*H*S is exactly the size: every reader agrees, the creator stays
    public void Resize_writes_the_spec_geometry_and_a_creator_every_reader_takes_the_exact_size_from(string creator, long size, string expected)
    {
        string path = ImageFiles.Dynamic(_folder.File("peer.vhd"), 8 * MiB);
        ImageFiles.PatchFooter(path, f => f with { CreatorApplication = VhdKit.Format.FourCharacterCode.FromString(creator), Geometry = VhdKit.Format.DiskGeometry.Maximum });
        ResizeOperation.Run(new ResizeRequest(path, size));
        using VhdImage image = VhdImage.Open(path);
        Assert.Equal(VhdKit.Format.DiskGeometry.FromCapacity(size), image.Footer.Geometry);
        Assert.Equal(VhdKit.Format.FourCharacterCode.FromString(expected), image.Footer.CreatorApplication);
        Assert.Equal(size, image.Capacity);
        Assert.True(CheckOperation.Run(new CheckRequest(path)).IsClean);
    }

    [Fact]
    public void Resize_keeps_the_footer_s_reserved_bytes()
    {
        string path = ImageFiles.Dynamic(_folder.File("hidden.vhd"), 8 * MiB);
        long end = new FileInfo(path).Length - 512;
        foreach (long offset in new[] { 0, end })
        {
            // blktap keeps its "hidden" flag in the footer's first reserved byte (85).
            var footer = new byte[512];
            using (var stream = File.OpenRead(path))
            {
                stream.Position = offset;
                stream.ReadExactly(footer);
            }

            footer[85] = 1;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(footer.AsSpan(64), VhdKit.Format.VhdChecksum.Compute(footer, 64));
            ImageFiles.WriteRaw(path, offset, footer);
        }

        ResizeOperation.Run(new ResizeRequest(path, 12 * MiB));
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(1, file[85]);
        Assert.Equal(1, file[file.Length - 512 + 85]);
        using VhdImage image = VhdImage.Open(path);
        Assert.Equal(12 * MiB, image.Capacity);
    }
}
