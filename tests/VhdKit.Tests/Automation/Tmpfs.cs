using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>
/// A small tmpfs mounted on a fresh folder, for real disk-full and read-only tests; unmounted on dispose.
/// Needs root: skipped otherwise, except under CI=true, where it fails (CI runs as root).
/// </summary>
public sealed class Tmpfs : IDisposable
{
    private readonly TempFolder _folder = new();

    private Tmpfs(string options)
    {
        Path = _folder.File("mnt");
        Directory.CreateDirectory(Path);
        PeerTools.RunOk("mount", "-t", "tmpfs", "-o", options, "vhdkit-test", Path);
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    /// <summary>Mounts a tmpfs with <paramref name="options"/> (e.g. <c>size=4m</c>, <c>size=16m,ro</c>).</summary>
    public static Tmpfs Mount(string options)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.False(PeerTools.InCi, "CI must run the tmpfs tests as root.");
            Skip.If(true, "mounting a tmpfs needs root");
        }

        return new Tmpfs(options);
    }

    /// <summary>Fills the file system until not even one more byte can be written (ENOSPC).</summary>
    public void Fill()
    {
        using Microsoft.Win32.SafeHandles.SafeFileHandle filler = System.IO.File.OpenHandle(File("filler"), FileMode.CreateNew, FileAccess.Write);
        var chunk = new byte[64 * 1024];
        long offset = 0;
        for (int size = chunk.Length; size >= 1; size /= 2)
        {
            try
            {
                while (true)
                {
                    RandomAccess.Write(filler, chunk.AsSpan(0, size), offset);
                    offset += size;
                }
            }
            catch (IOException)
            {
                // Full at this size: try a smaller one.
            }
        }
    }

    public void Remount(string options) => PeerTools.RunOk("mount", "-o", "remount," + options, Path);

    public void Dispose()
    {
        try
        {
            if (PeerTools.Run("umount", [Path]).ExitCode != 0)
            {
                PeerTools.Run("umount", ["-l", Path]);
            }
        }
        finally
        {
            _folder.Dispose();
        }
    }
}
