using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Chain;

public class ConcurrencyAndLockingTests : IDisposable
{
    private const long Capacity = 8L * 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Eight_readers_and_a_writer_never_see_torn_or_stale_committed_data()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"), Capacity, 512 * 1024);
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        using VirtualDisk disk = VirtualDisk.Open(child);
        const int Regions = 64;
        const int RegionSize = (int)(Capacity / Regions);
        var committed = new int[Regions]; // the version every byte of the region holds at least
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();

        void Reader(int seed)
        {
            var random = new Random(seed);
            var buffer = new byte[RegionSize];
            while (!stop.IsCancellationRequested)
            {
                int region = random.Next(Regions);
                int floor = Volatile.Read(ref committed[region]);
                disk.Read(buffer, (long)region * RegionSize);
                int low = buffer.AsSpan().IndexOfAnyInRange((byte)0, (byte)(floor - 1));
                if (floor > 0 && low >= 0)
                {
                    failures.Enqueue($"region {region}: byte {low} holds version {buffer[low]}, version {floor} was committed before the read");
                }
            }
        }

        Task[] readers = [.. Enumerable.Range(0, 8).Select(i => Task.Run(() => Reader(i)))];
        var data = new byte[RegionSize];
        var writerRandom = new Random(99);
        for (int version = 1; version <= 40; version++)
        {
            for (int n = 0; n < 8; n++)
            {
                int region = writerRandom.Next(Regions);
                int next = Math.Max(version, committed[region] + 1);
                if (next > 255)
                {
                    continue;
                }

                Array.Fill(data, (byte)next);
                disk.Write(data, (long)region * RegionSize);
                Volatile.Write(ref committed[region], next);
            }

            if (version % 10 == 0)
            {
                disk.Flush();
            }
        }

        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.Empty(failures);
    }

    [Fact]
    public void A_second_writer_is_refused_in_process()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        using VirtualDisk first = VirtualDisk.Open(path);
        var error = Assert.Throws<ImageInUseException>(() => VirtualDisk.Open(path));
        Assert.Equal(unchecked((int)0x80070020), error.HResult);
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_writer_is_refused_in_another_process()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllBytes(_folder.File("in.raw"), [1, 2, 3]);
        using VirtualDisk first = VirtualDisk.Open(path);
        ProcessResult result = CliRunner.Run("write", path, "--offset", "0", "--from", _folder.File("in.raw"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("in use", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Readers_of_a_parent_are_not_blocked_by_its_childs_writer_and_the_parent_is_never_written()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        byte[] parentBefore = File.ReadAllBytes(parent);
        DateTime parentTime = File.GetLastWriteTimeUtc(parent);
        using (VirtualDisk writer = VirtualDisk.Open(child))
        {
            writer.Write(new byte[4096], 0);
            using VirtualDisk reader = VirtualDisk.Open(parent, new VirtualDiskOptions { ReadOnly = true });
            Assert.Equal(4096, reader.Read(new byte[4096], 0));
        }

        Assert.Equal(parentBefore, File.ReadAllBytes(parent));
        Assert.Equal(parentTime, File.GetLastWriteTimeUtc(parent));
    }

    [Fact]
    public void A_parent_cannot_be_opened_for_writing_while_a_chain_reads_it()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        using VirtualDisk reader = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true });
        Assert.Throws<ImageInUseException>(() => VirtualDisk.Open(parent));
    }
}
