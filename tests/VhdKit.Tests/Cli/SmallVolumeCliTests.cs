using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>
/// <c>vhd create --parent</c> applies the format's limits only: Virtual Server's "8 MiB free" rule stays in the
/// automation API, so a 4.5 KB child fits on a 6 MiB volume.
/// </summary>
public class SmallVolumeCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void A_differencing_disk_is_created_on_a_volume_with_6_MiB_free()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mounts a tmpfs");
        Skip.IfNot(Environment.UserName == "root" || PeerTools.InCi, "mounting a tmpfs needs root");
        PeerTools.Require("mount");
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string volume = _folder.File("small");
        Directory.CreateDirectory(volume);
        PeerTools.RunOk("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", volume);
        try
        {
            string child = Path.Combine(volume, "child.vhd");
            ProcessResult result = CliRunner.Run("create", "--parent", parent, child);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.True(new FileInfo(child).Length < 8 * 1024, $"the child is {new FileInfo(child).Length} bytes");
            Assert.Equal(0, CliRunner.Run("check", "--chain", child).ExitCode);
        }
        finally
        {
            PeerTools.RunOk("umount", volume);
        }
    }
}
