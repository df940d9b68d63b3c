using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// A flush that fails (fsync reporting EIO, as <see cref="Durability"/> now surfaces it) fails every operation with
/// an <see cref="IOException"/>, renames nothing over the target and leaves no temporary file. The end-to-end
/// counterpart, with real fsync failures injected by strace into the CLI, is FsyncFailureCliTests.
/// </summary>
public class FlushFailureTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string[] Temporaries() => Directory.GetFiles(_folder.Path, ".*.tmp");

    [Fact]
    public void Image_flush_fails_when_the_storage_flush_fails_and_the_file_keeps_its_flushed_content()
    {
        string path = ImageFiles.Dynamic(_folder.File("a.vhd"));
        byte[] before = DiskBytes.Of(path);
        var storage = new FlushFailingStorage(FileStorage.Open(path, FileAccess.ReadWrite));
        using (VhdImage image = VhdImage.Open(storage, leaveOpen: false))
        {
            var data = new byte[4096];
            data.AsSpan().Fill(0x5A);
            IOException error = Assert.Throws<IOException>(() =>
            {
                image.WriteSectors(data, 0);
                image.Flush();
            });
            Assert.Equal(FlushFailingStorage.Eio, error.HResult);
        }

        Assert.True(CheckOperation.Run(new CheckRequest(path)).IsClean);
        ChainBuilder.AssertBytes(before, DiskBytes.Of(path));
    }

    [Fact]
    public void Compact_fails_when_the_temporary_file_cannot_be_flushed_and_leaves_the_image_as_it_was()
    {
        var chain = new ChainBuilder(_folder.Path, 6 * ImageFiles.MiB, 17);
        string image = chain.AddLayer(4, maxWrite: 1024 * 1024);
        byte[] fileBefore = File.ReadAllBytes(image);

        Assert.Throws<IOException>(() =>
            CompactOperation.Compact(image, storage => new FlushFailingStorage(storage), null, CancellationToken.None));

        Assert.Equal(fileBefore, File.ReadAllBytes(image));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void Compact_fails_when_only_its_last_flush_fails_and_leaves_the_image_as_it_was()
    {
        var chain = new ChainBuilder(_folder.Path, 6 * ImageFiles.MiB, 18);
        string image = chain.AddLayer(4, maxWrite: 1024 * 1024);
        byte[] fileBefore = File.ReadAllBytes(image);

        // Count the flushes of a compaction of a copy, then fail only the last one on the real image.
        string copy = _folder.File("copy.vhd");
        File.Copy(image, copy);
        FlushFailingStorage? counting = null;
        CompactOperation.Compact(copy, storage => counting = new FlushFailingStorage(storage, int.MaxValue), null, CancellationToken.None);
        int last = counting!.Flushes;

        Assert.Throws<IOException>(() =>
            CompactOperation.Compact(image, storage => new FlushFailingStorage(storage, last), null, CancellationToken.None));

        Assert.Equal(fileBefore, File.ReadAllBytes(image));
        Assert.Empty(Temporaries());
    }

    [Theory]
    [InlineData(ConvertFormat.Dynamic)]
    [InlineData(ConvertFormat.Fixed)]
    [InlineData(ConvertFormat.Raw)]
    public void Convert_fails_when_the_new_file_cannot_be_flushed_and_creates_nothing(ConvertFormat format)
    {
        var chain = new ChainBuilder(_folder.Path, 6 * ImageFiles.MiB, 19);
        chain.AddLayer(3, maxWrite: 1024 * 1024);
        string leaf = chain.AddLayer(3, maxWrite: 1024 * 1024);
        string target = _folder.File("flat.vhd");

        Assert.Throws<IOException>(() => ConvertOperation.Run(new ConvertRequest(leaf, target) { TargetFormat = format }, storage => new FlushFailingStorage(storage), null, CancellationToken.None));

        Assert.False(Path.Exists(target));
        Assert.Empty(Temporaries());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Create_fails_when_the_new_file_cannot_be_flushed_and_creates_nothing(bool differencing)
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string target = _folder.File("new.vhd");
        CreateRequest request = differencing ? CreateRequest.Differencing(target, parent) : CreateRequest.Fixed(target, 4 * ImageFiles.MiB);
        var hooks = new CreateHooks(storage => new FlushFailingStorage(storage), static () => { });

        Assert.Throws<IOException>(() => CreateOperation.Create(request, null, hooks, CancellationToken.None));

        Assert.False(Path.Exists(target));
        Assert.Empty(Temporaries());
    }

    [Fact]
    public void Merge_fails_when_the_target_cannot_be_flushed_and_the_chain_still_reads_the_same()
    {
        var chain = new ChainBuilder(_folder.Path, 6 * ImageFiles.MiB, 20);
        string parent = chain.AddLayer(3, maxWrite: 1024 * 1024);
        string child = chain.AddLayer(3, maxWrite: 1024 * 1024);

        using (VhdImage layer = VhdImage.Open(child))
        using (VhdImage target = VhdImage.Open(new FlushFailingStorage(FileStorage.Open(parent, FileAccess.ReadWrite)), leaveOpen: false))
        {
            Assert.Throws<IOException>(() => MergeOperation.Merge([layer], target));
        }

        // The merge writes allocated blocks of the target in place (the child holds the same sectors, so a re-run
        // completes it); the target stays a valid image and the chain through the child reads as before.
        Assert.True(CheckOperation.Run(new CheckRequest(parent)).IsClean);
        using VirtualDisk disk = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true });
        ChainBuilder.AssertContent(chain.Model, disk);
    }
}
