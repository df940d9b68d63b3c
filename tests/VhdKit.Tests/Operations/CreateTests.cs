using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class CreateTests : IDisposable
{
    private const long GiB = 1024L * 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Creating_over_an_existing_file_refuses_and_leaves_it_untouched()
    {
        string path = _folder.File("taken.vhd");
        File.WriteAllText(path, "precious");
        DateTime before = File.GetLastWriteTimeUtc(path);
        var error = Assert.Throws<ImageAlreadyExistsException>(() => CreateOperation.Run(CreateRequest.Dynamic(path, 8 * ImageFiles.MiB)));
        Assert.Equal(unchecked((int)0x800700B7), error.HResult);
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Equal(before, File.GetLastWriteTimeUtc(path));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Creating_through_a_dangling_symlink_is_refused()
    {
        string link = _folder.File("link.vhd");
        File.CreateSymbolicLink(link, _folder.File("nowhere/target.vhd"));
        Assert.Throws<ImageAlreadyExistsException>(() => CreateOperation.Run(CreateRequest.Dynamic(link, 8 * ImageFiles.MiB)));
        Assert.False(Directory.Exists(_folder.File("nowhere")));
    }

    [Fact]
    public void Missing_folders_are_created_and_no_temporary_file_remains()
    {
        string path = _folder.File("a/b/c/disk.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(path, 8 * ImageFiles.MiB));
        Assert.Equal([Path.GetFullPath(path)], Directory.GetFiles(_folder.File("a/b/c")).Select(Path.GetFullPath));
    }

    [Theory]
    [InlineData(3L * 1024 * 1024 - 512)]
    [InlineData(2041L * 1024 * 1024 * 1024)]
    [InlineData(8L * 1024 * 1024 + 100)]
    [InlineData(0)]
    public void Sizes_outside_the_format_are_refused_before_anything_is_written(long size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CreateOperation.Run(CreateRequest.Dynamic(_folder.File("x/d.vhd"), size)));
        Assert.False(Directory.Exists(_folder.File("x")));
    }

    [Theory]
    [InlineData(1024 * 1024)]
    [InlineData(4096)]
    [InlineData(3 * 1024 * 1024)]
    public void Block_sizes_other_than_512_KiB_and_2_MiB_are_refused(int blockSize)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CreateOperation.Run(CreateRequest.Dynamic(_folder.File("d.vhd"), 8 * ImageFiles.MiB, blockSize)));
    }

    [Fact]
    public void Fixed_images_are_sparse_unless_zero_filled()
    {
        string sparse = _folder.File("sparse.vhd");
        CreateOperation.Run(CreateRequest.Fixed(sparse, 64 * ImageFiles.MiB));
        Assert.Equal((64 * ImageFiles.MiB) + 512, new FileInfo(sparse).Length);
        Assert.True(AllocatedBytes(sparse) < ImageFiles.MiB, "a sparse fixed image should use almost no disk");

        string filled = _folder.File("filled.vhd");
        var reports = new List<OperationProgress>();
        CreateOperation.Run(CreateRequest.Fixed(filled, 8 * ImageFiles.MiB) with { ZeroFill = true }, new SyncProgress(reports.Add));
        Assert.True(AllocatedBytes(filled) >= 8 * ImageFiles.MiB);
        Assert.Equal(100, reports[^1].Percent);
    }

    [Fact]
    public void Cancelling_a_zero_fill_leaves_nothing_behind()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            CreateOperation.Run(CreateRequest.Fixed(_folder.File("z.vhd"), 8 * ImageFiles.MiB) with { ZeroFill = true }, null, cancel.Token));
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [Fact]
    public void Largest_disk_is_2040_GiB_and_stays_small_on_the_host()
    {
        string fixedPath = _folder.File("big-fixed.vhd");
        string dynamicPath = _folder.File("big-dynamic.vhd");
        CreateOperation.Run(CreateRequest.Fixed(fixedPath, 2040 * GiB));
        CreateOperation.Run(CreateRequest.Dynamic(dynamicPath, 2040 * GiB));
        using VhdImage fixedImage = VhdImage.Open(fixedPath);
        using VhdImage dynamicImage = VhdImage.Open(dynamicPath);
        Assert.Equal(2040 * GiB, fixedImage.Capacity);
        Assert.Equal(1044480, dynamicImage.Bat!.Count);
        Assert.Equal(512 + 1024 + (1044480 * 4) + 512, new FileInfo(dynamicPath).Length);
    }

    [Fact]
    public void Differencing_child_inherits_size_geometry_and_block_size()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"), (100 * ImageFiles.MiB) + 512, 512 * 1024);
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        using VhdImage p = VhdImage.Open(parent);
        using VhdImage c = VhdImage.Open(child);
        Assert.Equal(VhdDiskType.Differencing, c.DiskType);
        Assert.Equal(p.Capacity, c.Capacity);
        Assert.Equal(p.Footer.Geometry, c.Footer.Geometry);
        Assert.Equal(512 * 1024, c.BlockSize);
        Assert.Equal(p.UniqueId, c.Header!.Value.ParentUniqueId);
        Assert.NotEqual(p.UniqueId, c.UniqueId);
        Assert.Equal("win ", FourCharacterCode.ToDisplayString(c.Footer.CreatorApplication));
        Assert.Equal("Wi2k", FourCharacterCode.ToDisplayString(c.Footer.CreatorHostOs));
    }

    [Theory]
    [InlineData("fixed", (100 * 1024 * 1024) + 512)]
    [InlineData("dynamic", (100 * 1024 * 1024) + 512)]
    [InlineData("dynamic", 3 * 1024 * 1024)]
    public void New_images_record_the_spec_geometry_and_the_creator_that_makes_the_size_authoritative(string type, long size)
    {
        string path = _folder.File($"{type}.vhd");
        CreateOperation.Run(type == "fixed" ? CreateRequest.Fixed(path, size) : CreateRequest.Dynamic(path, size));
        using VhdImage image = VhdImage.Open(path);
        Assert.Equal(DiskGeometry.FromCapacity(size), image.Footer.Geometry); // never the maximum (vhd-util: "geometry too large")
        Assert.Equal("win ", FourCharacterCode.ToDisplayString(image.Footer.CreatorApplication));
        Assert.Equal(0x000A0000u, image.Footer.CreatorVersion);
        Assert.Equal(size, image.Capacity);
    }

    [Fact]
    public void Differencing_child_of_a_fixed_parent_uses_2_MiB_blocks()
    {
        string parent = ImageFiles.Fixed(_folder.File("p.vhd"), 5 * ImageFiles.MiB);
        using VhdImage c = VhdImage.Open(ImageFiles.Differencing(_folder.File("c.vhd"), parent));
        Assert.Equal(2 * 1024 * 1024, c.BlockSize);
        Assert.Equal(3, c.Bat!.Count);
    }

    [Fact]
    public void Child_of_a_child_makes_a_chain_of_three()
    {
        string a = ImageFiles.Dynamic(_folder.File("a.vhd"));
        string b = ImageFiles.Differencing(_folder.File("b.vhd"), a);
        string c = ImageFiles.Differencing(_folder.File("c.vhd"), b);
        using VhdChain chain = VhdChain.Open(c);
        Assert.Equal([c, b, a], chain.Links.Select(l => Path.GetFullPath(l.Image.Path)));
    }

    [Fact]
    public void Parent_that_is_missing_or_broken_is_refused_and_nothing_is_written()
    {
        Assert.Throws<FileNotFoundException>(() => CreateOperation.Run(CreateRequest.Differencing(_folder.File("out/c.vhd"), _folder.File("none.vhd"))));
        File.WriteAllBytes(_folder.File("junk.vhd"), new byte[4096]);
        Assert.Throws<VhdFormatException>(() => CreateOperation.Run(CreateRequest.Differencing(_folder.File("out/c.vhd"), _folder.File("junk.vhd"))));
        Assert.False(Directory.Exists(_folder.File("out")));
    }

    [Fact]
    public void New_block_placement_puts_data_on_4_KiB_boundaries()
    {
        for (long end = 0; end < 20000; end += 512)
        {
            long start = NewImageLayout.BlockStart(end, 512);
            Assert.True(start >= end);
            Assert.Equal(0, (start + 512) % 4096);
        }
    }

    [Fact]
    public void Unique_ids_are_new_every_time()
    {
        var ids = new HashSet<Guid>();
        for (int i = 0; i < 20; i++)
        {
            using VhdImage image = VhdImage.Open(ImageFiles.Dynamic(_folder.File($"d{i}.vhd")));
            Assert.True(ids.Add(image.UniqueId));
        }
    }

    private static long AllocatedBytes(string path)
    {
        string output = PeerTools.RunOk("stat", "-c", "%b %B", path);
        string[] parts = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class SyncProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }

    [Fact]
    public void What_a_disk_type_cannot_do_is_refused_not_ignored()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));

        var dynamicZeroFill = Assert.Throws<ArgumentException>(() => CreateOperation.Run(CreateRequest.Dynamic(_folder.File("d.vhd"), 8 * ImageFiles.MiB) with { ZeroFill = true }));
        var differencingZeroFill = Assert.Throws<ArgumentException>(() => CreateOperation.Run(CreateRequest.Differencing(_folder.File("c.vhd"), parent) with { ZeroFill = true }));
        var fixedBlockSize = Assert.Throws<ArgumentException>(() => CreateOperation.Run(CreateRequest.Fixed(_folder.File("f.vhd"), 8 * ImageFiles.MiB) with { BlockSize = 512 * 1024 }));
        var differencingSize = Assert.Throws<ArgumentException>(() => CreateOperation.Run(CreateRequest.Differencing(_folder.File("s.vhd"), parent) with { Size = 16 * ImageFiles.MiB }));

        Assert.StartsWith("Zero fill applies to a fixed disk only: a dynamic disk's unwritten blocks read as zeros", dynamicZeroFill.Message);
        Assert.StartsWith("Zero fill applies to a fixed disk only: a differencing disk's", differencingZeroFill.Message);
        Assert.StartsWith("A fixed disk has no blocks, so it takes no block size", fixedBlockSize.Message);
        Assert.Equal($"A differencing disk takes its parent's size: {parent} is {8 * ImageFiles.MiB} bytes, not {16 * ImageFiles.MiB}. Leave the size out, or resize the parent first.", differencingSize.Message);
        Assert.Equal([parent], Directory.GetFileSystemEntries(_folder.Path));

        // The parent's own size is accepted (qemu-img create -b BASE CHILD SIZE with the same size).
        CreateOperation.Run(CreateRequest.Differencing(_folder.File("same.vhd"), parent) with { Size = 8 * ImageFiles.MiB });
    }
}
