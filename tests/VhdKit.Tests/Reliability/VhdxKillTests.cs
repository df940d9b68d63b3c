using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images.Vhdx;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// <c>vhd write</c> on a VHDX SIGKILLed at each of its fsyncs in turn (strace's fault injection): every file left
/// opens, holds per byte the old or the new content, and the kills that land between a log entry and the clean close
/// leave a pending log that opens with the replayed (new) content, in our reader, the spec reader and qemu (after its
/// own replay); opened for writing, the log is replayed into the file.
/// </summary>
public class VhdxKillTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Vhd_write_killed_at_each_fsync_leaves_a_vhdx_that_opens_old_or_new_and_a_pending_log_replays()
    {
        string strace = PeerTools.Require("strace");
        string qemuImg = PeerTools.Require("qemu-img");
        byte[] data = VhdxTestFiles.Pattern(3 * MiB, 5);
        string from = _folder.File("data.bin");
        File.WriteAllBytes(from, data);
        const long Offset = (2L * MiB) + 4096;
        int pending = 0;
        int completed = 0;
        for (int when = 1; when <= 16; when++)
        {
            string path = _folder.File($"k{when}.vhdx");
            VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 16L * MiB, blockSize: MiB);
            ProcessResult run = PeerTools.Run(strace, ["-f", "-o", "/dev/null", "-e", "trace=fsync", "-e", $"inject=fsync:signal=SIGKILL:when={when}",
                "dotnet", CliRunner.VhdDll, "write", path, "--offset", Offset.ToString(CultureInfo.InvariantCulture), "--from", from]);
            completed += run.ExitCode == 0 ? 1 : 0;

            byte[] content;
            using (VhdxImage image = VhdxImage.Open(path))
            {
                content = new byte[image.Capacity];
                image.ReadOwn(content, 0);
                if (image.LogReplay is { Entries: > 0 })
                {
                    pending++;
                    Assert.True(content.AsSpan((int)Offset, data.Length).SequenceEqual(data), $"fsync #{when}: the replayed log does not give the new content");
                }
            }

            for (int i = 0; i < content.Length; i++)
            {
                bool inside = i >= Offset && i < Offset + data.Length;
                Assert.True(content[i] == 0 || (inside && content[i] == data[i - Offset]), $"fsync #{when}: byte {i} is neither old nor new");
            }

            Assert.True(content.AsSpan().SequenceEqual(VhdxSpecReader.Content(path, path + ".spec")), $"fsync #{when}: the spec reader differs");
            string copy = path + ".qemu";
            File.Copy(path, copy);
            ProcessResult check = PeerTools.Run(qemuImg, ["check", "-r", "all", "-f", "vhdx", copy]);
            Assert.True(check.ExitCode == 0, $"fsync #{when}: {check.Stdout}{check.Stderr}");
            PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", copy, path + ".raw");
            Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(path + ".raw")), $"fsync #{when}: qemu's content differs");

            // Opened for writing: the log is replayed into the file, which then reads the same with nothing pending.
            using (VirtualDisk disk = VirtualDisk.Open(path))
            {
                Assert.True(disk.CanWrite);
            }

            using (VhdxImage image = VhdxImage.Open(path))
            {
                Assert.Null(image.LogReplay);
                var after = new byte[image.Capacity];
                image.ReadOwn(after, 0);
                Assert.True(after.AsSpan().SequenceEqual(content), $"fsync #{when}: the replay into the file changed the content");
            }
        }

        output.WriteLine($"{pending} kills left a pending log; {completed} runs completed (the kill point lay past the last fsync)");
        Assert.True(pending > 0, "no kill left a pending log");
        Assert.True(completed > 0, "every run was killed: the fsyncs counted are more than 16");
    }
}
