using System.Diagnostics;
using VhdKit.Chain;

namespace VhdKit.Benchmarks.Workloads;

/// <summary>
/// <c>qemu-img bench</c>'s read pattern in process: <c>count</c> reads of <c>size</c> bytes, request i at
/// (i * size) modulo the disk, taken in turn by <c>threads</c> threads (qemu-img bench's queue depth), each with its
/// own buffer, on one <see cref="VirtualDisk"/> open read-only. The time covers the reads only (after opening, and an
/// untimed pass of the same pattern so the timed one runs tiered-up code), as qemu-img bench's "Run completed in".
/// </summary>
internal static class ParallelReadWorkload
{
    public static double Run(string path, int threads, int size, int count)
    {
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        long slots = disk.Capacity / size;
        ReadAll(disk, threads, size, Math.Min(count, 4096), slots);
        long start = Stopwatch.GetTimestamp();
        ReadAll(disk, threads, size, count, slots);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static void ReadAll(VirtualDisk disk, int threads, int size, int count, long slots)
    {
        int next = -1;
        void Reader()
        {
            var buffer = new byte[size];
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                disk.Read(buffer, i % slots * size);
            }
        }

        if (threads == 1)
        {
            Reader();
            return;
        }

        Thread[] workers = [.. Enumerable.Range(0, threads).Select(_ => new Thread(Reader))];
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }
    }
}
