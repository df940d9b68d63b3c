using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// A child whose parent path holds something that is not a VHD: only regular files that prove to be VHDs with the
/// right id are followed; the rest is refused with <see cref="ParentResolutionException"/>, in bounded time (a
/// FIFO opened for reading would block forever).
/// </summary>
public class HostileParentTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Hostiles => ["dev-zero", "fifo", "directory", "symlink-loop", "sparse-100GiB", "other-vhd"];

    [Theory]
    [MemberData(nameof(Hostiles))]
    public async Task A_parent_path_holding_something_else_is_refused_in_bounded_time(string hostile)
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        File.Delete(parent);
        switch (hostile)
        {
            case "dev-zero":
                File.CreateSymbolicLink(parent, "/dev/zero");
                break;
            case "fifo":
                PeerTools.RunOk("mkfifo", parent);
                break;
            case "directory":
                Directory.CreateDirectory(parent);
                break;
            case "symlink-loop":
                File.CreateSymbolicLink(parent, parent);
                break;
            case "sparse-100GiB":
                using (var stream = new FileStream(parent, FileMode.CreateNew))
                {
                    stream.SetLength(100L * 1024 * 1024 * 1024);
                }

                break;
            case "other-vhd":
                ImageFiles.Dynamic(parent);
                break;
        }

        Task<Exception?> open = Task.Run<Exception?>(() => Record.Exception(() => VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }).Dispose()));
        Task finished = await Task.WhenAny(open, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == open, $"opening a child whose parent is a {hostile} hangs");
        Assert.IsType<ParentResolutionException>(await open);
    }
}
