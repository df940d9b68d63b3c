using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Automation;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Disk full, for real (a small tmpfs, as root): writes and a merge run until ENOSPC, which comes out as an
/// <see cref="IOException"/>; the images still check clean, flushed data is intact, and work continues once space is freed.
/// </summary>
public class DiskFullTests : IDisposable
{
    private const int Capacity = 8 * 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Writes_until_the_disk_is_full_fail_clearly_and_keep_what_was_flushed()
    {
        using Tmpfs tmpfs = Tmpfs.Mount("size=4m");
        string parent = ImageFiles.Dynamic(tmpfs.File("base.vhd"), Capacity, 512 * 1024);
        string child = ImageFiles.Differencing(tmpfs.File("child.vhd"), parent);
        File.WriteAllBytes(tmpfs.File("reserve"), new byte[1024 * 1024]);
        var random = new Random(71);
        var acknowledged = new byte[Capacity];
        var pending = new List<(long Offset, byte[] Data)>();
        IOException? full = null;
        var disk = VirtualDisk.Open(child);
        try
        {
            for (int i = 0; i < 500 && full is null; i++)
            {
                var data = new byte[random.Next(1, 256 * 1024)];
                random.NextBytes(data);
                long offset = random.NextInt64(0, Capacity - data.Length);
                pending.Add((offset, data));
                disk.Write(data, offset);
                if (i % 3 == 2)
                {
                    disk.Flush();
                    foreach ((long at, byte[] bytes) in pending)
                    {
                        bytes.CopyTo(acknowledged, at);
                    }

                    pending.Clear();
                }
            }
        }
        catch (IOException e)
        {
            full = e;
        }
        finally
        {
            DisposeIgnoringFullDisk(disk);
        }

        Assert.NotNull(full);
        Assert.Contains("child.vhd", full.Message, StringComparison.Ordinal);
        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).IsClean);
        byte[] now = DiskBytes.Of(child);
        for (int i = 0; i < Capacity; i++)
        {
            if (now[i] != acknowledged[i] && !pending.Any(p => i >= p.Offset && i < p.Offset + p.Data.Length && p.Data[i - p.Offset] == now[i]))
            {
                Assert.Fail($"byte {i} is 0x{now[i]:X2}: neither flushed (0x{acknowledged[i]:X2}) nor written since");
            }
        }

        // Free space; the image takes more writes, into new blocks too.
        File.Delete(tmpfs.File("reserve"));
        using (VirtualDisk again = VirtualDisk.Open(child))
        {
            var data = new byte[600 * 1024];
            random.NextBytes(data);
            again.Write(data, 0);
            again.Flush();
            data.CopyTo(now, 0);
        }

        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).IsClean);
        ChainBuilder.AssertBytes(now, DiskBytes.Of(child));
    }

    [SkippableFact]
    public void A_merge_that_fills_the_disk_fails_clearly_and_completes_once_space_is_freed()
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, 72);
        chain.AddLayer(2, 512 * 1024, maxWrite: 300_000);
        chain.AddLayer(6, 512 * 1024, maxWrite: 400_000);
        long needed = new FileInfo(chain.Layers[0]).Length + new FileInfo(chain.Layers[1]).Length + (1024 * 1024);
        using Tmpfs tmpfs = Tmpfs.Mount($"size={(needed / 1024) + 64}k");
        string parent = tmpfs.File("layer0.vhd");
        string child = tmpfs.File("layer1.vhd");
        File.Copy(chain.Layers[0], parent);
        File.Copy(chain.Layers[1], child);
        File.SetLastWriteTimeUtc(parent, File.GetLastWriteTimeUtc(chain.Layers[0]));
        byte[] parentBefore = DiskBytes.Of(parent);
        byte[] childBytes = File.ReadAllBytes(child);

        // Leave 512 KiB free: less than the merge needs.
        long free = new DriveInfo(tmpfs.Path).AvailableFreeSpace;
        File.WriteAllBytes(tmpfs.File("filler"), new byte[Math.Max(0, (free - (512 * 1024)) / 4096 * 4096)]);

        IOException mergeFull = Assert.ThrowsAny<IOException>(() => MergeOperation.Run(new MergeRequest(child)));
        Assert.Contains("layer0.vhd", mergeFull.Message, StringComparison.Ordinal);
        // The parent is sound; what check reports is the merge left to complete (its journal remains).
        CheckResult halfMerged = CheckOperation.Run(new CheckRequest(parent));
        Assert.Equal([FaultCode.MergeInterrupted], halfMerged.Faults.Where(f => f.Severity == FaultSeverity.Error).Select(f => f.Code));
        Assert.Equal(childBytes, File.ReadAllBytes(child));
        byte[] parentNow = DiskBytes.Of(parent);
        for (int sector = 0; sector < Capacity / 512; sector++)
        {
            Span<byte> now = parentNow.AsSpan(sector * 512, 512);
            Assert.True(now.SequenceEqual(parentBefore.AsSpan(sector * 512, 512)) || now.SequenceEqual(chain.Model.AsSpan(sector * 512, 512)),
                $"parent sector {sector} is neither its old content nor the merged one");
        }

        // Free space (the filler, and room to grow) and run the merge again.
        File.Delete(tmpfs.File("filler"));
        tmpfs.Remount("size=32m");
        MergeOperation.Run(new MergeRequest(child));
        Assert.True(CheckOperation.Run(new CheckRequest(parent)).IsClean);
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(parent));
    }

    private static void DisposeIgnoringFullDisk(VirtualDisk disk)
    {
        try
        {
            disk.Dispose();
        }
        catch (IOException)
        {
            // Disposing flushes, which fails again on the full disk: the failure was already seen.
        }
    }
}
