using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Chain;

/// <summary>
/// Reads of one <see cref="VirtualDisk"/> from many threads at once, each iteration on a freshly opened disk so the
/// threads race on its cold bitmap cache: what they read is what one thread reads alone.
/// </summary>
public class ParallelReadTests : IDisposable
{
    private const int Threads = 8;
    private const int BlockSize = 512 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(true, 300)]
    [InlineData(false, 100)]
    public void Many_threads_reading_random_ranges_of_a_depth_3_chain_read_what_one_thread_reads(bool readOnly, int iterations)
    {
        const long Capacity = (6L * 1024 * 1024) + (5 * 512);
        var chain = new ChainBuilder(_folder.Path, Capacity, seed: 31);
        for (int layer = 0; layer < 3; layer++)
        {
            chain.AddLayer(writes: 8, BlockSize, maxWrite: 700_000);
        }

        var options = new VirtualDiskOptions { ReadOnly = readOnly };
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            (long Offset, int Length)[][] ranges = [.. Enumerable.Range(0, Threads).Select(t => RandomRanges(new Random((iteration * Threads) + t), Capacity, 24))];
            byte[][][] alone = ReadEach(chain.Leaf, options, ranges, parallel: false);
            byte[][][] together = ReadEach(chain.Leaf, options, ranges, parallel: true);
            for (int t = 0; t < Threads; t++)
            {
                for (int i = 0; i < ranges[t].Length; i++)
                {
                    (long offset, int length) = ranges[t][i];
                    ChainBuilder.AssertBytes(chain.Model.AsSpan((int)offset, length).ToArray(), alone[t][i]);
                    Assert.True(alone[t][i].AsSpan().SequenceEqual(together[t][i]),
                        $"iteration {iteration}, thread {t}: {length} bytes at {offset} differ from one thread's read");
                }
            }
        }
    }

    [Fact]
    public void Reads_while_a_writer_writes_other_blocks_see_old_or_new_data_only()
    {
        const long Capacity = 4L * 1024 * 1024;
        const int Blocks = (int)(Capacity / BlockSize);
        const byte Untouched = 0xEE;
        const int Versions = 48;

        // The parent: random bytes in odd blocks (never written), one known byte in even blocks (the writer's).
        string parent = ImageFiles.Dynamic(_folder.File("parent.vhd"), Capacity, BlockSize);
        var model = new byte[Capacity];
        new Random(5).NextBytes(model);
        for (int block = 0; block < Blocks; block += 2)
        {
            model.AsSpan(block * BlockSize, BlockSize).Fill(Untouched);
        }

        using (VirtualDisk disk = VirtualDisk.Open(parent))
        {
            disk.Write(model, 0);
        }

        for (int iteration = 0; iteration < 100; iteration++)
        {
            string child = ImageFiles.Differencing(_folder.File($"child{iteration}.vhd"), parent);
            using VirtualDisk disk = VirtualDisk.Open(child);
            using var done = new CancellationTokenSource();
            var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var start = new Barrier(Threads + 1);

            void Reader(int seed)
            {
                var random = new Random(seed);
                start.SignalAndWait();
                while (!done.IsCancellationRequested && failures.IsEmpty)
                {
                    (long offset, int length) = RandomRanges(random, Capacity, 1)[0];
                    var buffer = new byte[length];
                    disk.Read(buffer, offset);
                    for (int i = 0; i < length; i++)
                    {
                        long at = offset + i;
                        bool writersBlock = at / BlockSize % 2 == 0;
                        byte b = buffer[i];
                        bool fine = writersBlock ? b == Untouched || (b >= 1 && b <= Versions) : b == model[at];
                        if (!fine)
                        {
                            failures.Enqueue($"iteration {iteration}: byte {at} (block {at / BlockSize}) reads 0x{b:X2}");
                            return;
                        }
                    }
                }
            }

            Thread[] readers = [.. Enumerable.Range(0, Threads).Select(t => new Thread(() => Reader((iteration * Threads) + t)))];
            foreach (Thread reader in readers)
            {
                reader.Start();
            }

            var writerRandom = new Random(iteration);
            start.SignalAndWait();
            for (byte version = 1; version <= Versions; version++)
            {
                int block = writerRandom.Next(Blocks / 2) * 2;
                int inBlock = writerRandom.Next(BlockSize);
                var data = new byte[writerRandom.Next(1, BlockSize - inBlock + 1)];
                Array.Fill(data, version);
                disk.Write(data, ((long)block * BlockSize) + inBlock);
                if (version % 16 == 0)
                {
                    disk.Flush();
                }
            }

            done.Cancel();
            foreach (Thread reader in readers)
            {
                reader.Join();
            }

            Assert.Empty(failures);
        }
    }

    /// <summary>Reads each thread's ranges from a freshly opened disk: all threads at once, or one after another.</summary>
    private static byte[][][] ReadEach(string leaf, VirtualDiskOptions options, (long Offset, int Length)[][] ranges, bool parallel)
    {
        using VirtualDisk disk = VirtualDisk.Open(leaf, options);
        var results = new byte[ranges.Length][][];
        using var start = new Barrier(parallel ? ranges.Length : 1);

        void ReadRanges(int t)
        {
            start.SignalAndWait();
            results[t] = new byte[ranges[t].Length][];
            for (int i = 0; i < ranges[t].Length; i++)
            {
                (long offset, int length) = ranges[t][i];
                results[t][i] = new byte[length];
                Assert.Equal(length, disk.Read(results[t][i], offset));
            }
        }

        if (!parallel)
        {
            for (int t = 0; t < ranges.Length; t++)
            {
                ReadRanges(t);
            }

            return results;
        }

        Exception? failure = null;
        Thread[] threads = [.. Enumerable.Range(0, ranges.Length).Select(t => new Thread(() =>
        {
            try
            {
                ReadRanges(t);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return failure is null ? results : throw new InvalidOperationException("A reader failed.", failure);
    }

    /// <summary>Ranges of 1 byte to 96 KiB, some unaligned, some across block ends, some at block starts.</summary>
    private static (long Offset, int Length)[] RandomRanges(Random random, long capacity, int count)
    {
        var ranges = new (long, int)[count];
        for (int i = 0; i < count; i++)
        {
            int length = random.Next(3) == 0 ? random.Next(1, 1024) : random.Next(1, 96 * 1024);
            long offset = random.Next(3) == 0
                ? random.NextInt64(0, capacity / BlockSize) * BlockSize
                : random.NextInt64(0, capacity);
            offset = Math.Min(offset, capacity - length);
            ranges[i] = (offset, length);
        }

        return ranges;
    }
}
