using System.Diagnostics;
using System.Globalization;
using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Nbd;

/// <summary>
/// <c>vhd serve</c> killed with SIGKILL while qemu-io writes: after a restart the chain opens and serves, and every
/// write acknowledged before a completed FLUSH is there.
/// </summary>
public sealed class NbdCrashTests : IDisposable
{
    private const long Capacity = 64L * 1024 * 1024;
    private const int Region = 256 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Writes_flushed_before_a_kill_survive_it()
    {
        string qemuIo = PeerTools.Require("qemu-io");
        string nbdinfo = PeerTools.Require("nbdinfo");
        var chain = new ChainBuilder(_folder.Path, Capacity, 95);
        chain.AddLayer(writes: 4, maxWrite: 1024 * 1024);
        chain.AddLayer(writes: 0);

        // Each small qemu-io run writes its own region (four writes with varied alignment), then flushes: once it
        // exits 0, the flush was acknowledged, so the whole region must survive. Then a long run (960 writes of
        // 64 KiB over the rest of the disk, a flush every 64) is killed in the middle.
        var durable = new List<int>();
        using (ServeProcess server = ServeProcess.Start(chain.Leaf, _folder.File("s1.sock")))
        {
            for (int i = 0; i < 4; i++)
            {
                long at = (long)i * Region;
                byte pattern = (byte)(i + 1);
                string output = PeerTools.RunOk(qemuIo, "-f", "raw",
                    "-c", $"write -P {pattern} {at} 65536",
                    "-c", $"write -P {pattern} {at + 65536 + 100} 70000",
                    "-c", $"write -P {pattern} {at + 140000} 1000",
                    "-c", $"write -P {pattern} {at + 200000} 50000",
                    "-c", "flush",
                    server.Uri);
                Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);
                durable.Add(i);
            }

            var start = new ProcessStartInfo(qemuIo) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("-f");
            start.ArgumentList.Add("raw");
            for (int n = 0; n < 960; n++)
            {
                start.ArgumentList.Add("-c");
                start.ArgumentList.Add($"write -P 0xee {(2L * 1024 * 1024) + (n * 65536L)} 65536");
                if (n % 64 == 63)
                {
                    start.ArgumentList.Add("-c");
                    start.ArgumentList.Add("flush");
                }
            }

            start.ArgumentList.Add(server.Uri);
            using Process writer = Process.Start(start)!;
            writer.BeginOutputReadLine();
            writer.BeginErrorReadLine();
            Thread.Sleep(60);
            bool midWrite = !writer.HasExited;
            server.Kill();
            Assert.True(writer.WaitForExit(30_000), "qemu-io hung after the server died");
            Assert.True(midWrite, "the long qemu-io run finished before the kill; the test did not crash the server mid-write");
        }

        foreach (int i in durable)
        {
            long at = (long)i * Region;
            byte pattern = (byte)(i + 1);
            chain.Model.AsSpan((int)at, 65536).Fill(pattern);
            chain.Model.AsSpan((int)(at + 65536 + 100), 70000).Fill(pattern);
            chain.Model.AsSpan((int)(at + 140000), 1000).Fill(pattern);
            chain.Model.AsSpan((int)(at + 200000), 50000).Fill(pattern);
        }

        using (VirtualDisk disk = VirtualDisk.Open(chain.Leaf, new VirtualDiskOptions { ReadOnly = true }))
        {
            Assert.Empty(disk.Warnings);
            var actual = new byte[Capacity];
            disk.Read(actual, 0);
            // The flushed regions, and the untouched space before the killed run's range.
            int flushedEnd = 2 * 1024 * 1024;
            ChainBuilder.AssertBytes(chain.Model.AsSpan(0, flushedEnd).ToArray(), actual.AsSpan(0, flushedEnd).ToArray());
        }

        // The killed server left its socket file; a restarted one (elsewhere) opens the leaf for writing and serves.
        using ServeProcess restarted = ServeProcess.Start(chain.Leaf, _folder.File("s2.sock"));
        Assert.Equal(Capacity.ToString(CultureInfo.InvariantCulture), PeerTools.RunOk(nbdinfo, "--size", restarted.Uri).Trim());
        Assert.Equal(0, restarted.Stop());
    }
}
