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
        Assert.Throws<ImageAlreadyExistsException>(() => VhdCreator.Create(existing, VhdCreateOptions.Dynamic(3 * ImageFiles.MiB)));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(existing));

        string link = _folder.File("link.vhd");
        string target = _folder.File("elsewhere.vhd");
        File.CreateSymbolicLink(link, target);
        Assert.Throws<ImageAlreadyExistsException>(() => VhdCreator.Create(link, VhdCreateOptions.Dynamic(3 * ImageFiles.MiB)));
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
        Assert.ThrowsAny<IOException>(() => VhdCreator.Create(path, VhdCreateOptions.Dynamic(3 * ImageFiles.MiB)));
        Assert.Equal(["filler"], Directory.GetFileSystemEntries(tmpfs.Path).Select(Path.GetFileName));
    }
}
