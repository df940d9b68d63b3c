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

        // Each qemu-io run writes its own region (four writes with varied alignment), then flushes: once it exits
        // 0, the flush was acknowledged, so the whole region is durable. The run in flight at the kill may or may not be.
        var durable = new List<int>();
        using (ServeProcess server = ServeProcess.Start(chain.Leaf, _folder.File("s1.sock")))
        {
            var clock = Stopwatch.StartNew();
            Process? inFlight = null;
            for (int i = 0; i < Capacity / Region && clock.Elapsed < TimeSpan.FromSeconds(20); i++)
            {
                long at = (long)i * Region;
                byte pattern = (byte)(i + 1);
                var start = new ProcessStartInfo(qemuIo) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string argument in (string[])["-f", "raw",
                    "-c", $"write -P {pattern} {at} 65536",
                    "-c", $"write -P {pattern} {at + 65536 + 100} 70000",
                    "-c", $"write -P {pattern} {at + 140000} 1000",
                    "-c", $"write -P {pattern} {at + 200000} 50000",
                    "-c", "flush",
                    server.Uri])
                {
                    start.ArgumentList.Add(argument);
                }

                inFlight = Process.Start(start)!;
                if (durable.Count >= 4)
                {
                    // Kill while this run is connected and writing.
                    Thread.Sleep(30);
                    server.Kill();
                    Assert.True(inFlight.WaitForExit(30_000));
                    break;
                }

                Assert.True(inFlight.WaitForExit(30_000), "qemu-io hung");
                string output = inFlight.StandardOutput.ReadToEnd() + inFlight.StandardError.ReadToEnd();
                Assert.True(inFlight.ExitCode == 0 && !output.Contains("error", StringComparison.OrdinalIgnoreCase), output);
                durable.Add(i);
                inFlight.Dispose();
                inFlight = null;
            }

            inFlight?.Dispose();
        }

        Assert.True(durable.Count >= 4, "the server was killed before any write was flushed");
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
            Assert.Empty(disk.Warnings.Where(w => !w.Contains("footer", StringComparison.OrdinalIgnoreCase)));
            var actual = new byte[Capacity];
            disk.Read(actual, 0);
            int flushedEnd = (durable[^1] + 1) * Region;
            ChainBuilder.AssertBytes(chain.Model.AsSpan(0, flushedEnd).ToArray(), actual.AsSpan(0, flushedEnd).ToArray());
        }

        // The killed server left its socket file; a restarted one (elsewhere) opens the leaf for writing and serves.
        using ServeProcess restarted = ServeProcess.Start(chain.Leaf, _folder.File("s2.sock"));
        Assert.Equal(Capacity.ToString(CultureInfo.InvariantCulture), PeerTools.RunOk(nbdinfo, "--size", restarted.Uri).Trim());
        Assert.Equal(0, restarted.Stop());
    }
}
