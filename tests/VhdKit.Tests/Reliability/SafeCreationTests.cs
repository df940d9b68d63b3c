using VhdKit.Chain;
using VhdKit.Operations;
using VhdKit.Tests.Automation;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>New images are created exclusively, with the process umask, and a failed creation leaves nothing behind.</summary>
public class SafeCreationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Create_never_writes_through_an_existing_file_or_a_dangling_symlink()
    {
        string existing = _folder.File("existing.vhd");
        File.WriteAllBytes(existing, [1, 2, 3]);
        Assert.Throws<ImageAlreadyExistsException>(() => CreateOperation.Run(CreateRequest.Dynamic(existing, 3 * ImageFiles.MiB)));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(existing));

        string link = _folder.File("link.vhd");
        string target = _folder.File("elsewhere.vhd");
        File.CreateSymbolicLink(link, target);
        Assert.Throws<ImageAlreadyExistsException>(() => CreateOperation.Run(CreateRequest.Dynamic(link, 3 * ImageFiles.MiB)));
        Assert.False(File.Exists(target), "creation followed a dangling symlink");
        Assert.Equal(["existing.vhd", "link.vhd"], Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName).Order());
    }

    [SkippableFact]
    public void A_created_image_has_the_mode_the_umask_allows()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix modes only");
        string path = ImageFiles.Dynamic(_folder.File("new.vhd"), 3 * ImageFiles.MiB);
        UnixFileMode umask = (UnixFileMode)Convert.ToInt32(PeerTools.RunOk("sh", "-c", "umask").Trim(), 8);
        UnixFileMode expected = (UnixFileMode)Convert.ToInt32("666", 8) & ~umask;
        Assert.Equal(expected, OperatingSystem.IsWindows() ? expected : File.GetUnixFileMode(path));
    }

    [SkippableFact]
    public void A_creation_that_runs_out_of_space_leaves_nothing_behind()
    {
        using Tmpfs tmpfs = Tmpfs.Mount("size=4m");
        tmpfs.Fill();
        string path = tmpfs.File("new.vhd");

        // A fixed disk is created sparse; a dynamic one writes its metadata, which no longer fits.
        Assert.ThrowsAny<IOException>(() => CreateOperation.Run(CreateRequest.Dynamic(path, 3 * ImageFiles.MiB)));
        Assert.Equal(["filler"], Directory.GetFileSystemEntries(tmpfs.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Convert_never_writes_through_an_existing_file_or_a_dangling_symlink_and_leaves_no_temporary_file()
    {
        string source = ImageFiles.Dynamic(_folder.File("source.vhd"), 3 * ImageFiles.MiB);
        string existing = _folder.File("existing.vhd");
        File.WriteAllBytes(existing, [1, 2, 3]);
        string link = _folder.File("link.vhd");
        string target = _folder.File("elsewhere.vhd");
        File.CreateSymbolicLink(link, target);
        Assert.Throws<ImageAlreadyExistsException>(() => ConvertOperation.Run(new ConvertRequest(source, existing) { TargetFormat = ConvertFormat.Fixed }));
        Assert.Throws<ImageAlreadyExistsException>(() => ConvertOperation.Run(new ConvertRequest(source, link) { TargetFormat = ConvertFormat.Dynamic }));

        Assert.Equal([1, 2, 3], File.ReadAllBytes(existing));
        Assert.False(File.Exists(target), "convert followed a dangling symlink");
        Assert.Equal(["existing.vhd", "link.vhd", "source.vhd"], Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_cancelled_compact_leaves_the_image_and_no_temporary_file()
    {
        var chain = new ChainBuilder(_folder.Path, 3 * ImageFiles.MiB, 51);
        string image = chain.AddLayer(3, 512 * 1024, maxWrite: 200_000);
        byte[] before = File.ReadAllBytes(image);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => CompactOperation.Run(new CompactRequest(image), null, cancelled.Token));
        Assert.Equal(before, File.ReadAllBytes(image));
        Assert.Equal(["layer0.vhd"], Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName));
    }

    [SkippableFact]
    public void Compact_keeps_a_private_image_private()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "Unix modes only");
        var chain = new ChainBuilder(_folder.Path, 3 * ImageFiles.MiB, 52);
        string image = chain.AddLayer(3, 512 * 1024, maxWrite: 200_000);
        UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(image, ownerOnly);
        }

        CompactOperation.Run(new CompactRequest(image));
        Assert.Equal(ownerOnly, OperatingSystem.IsWindows() ? ownerOnly : File.GetUnixFileMode(image));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(image));
    }
}
