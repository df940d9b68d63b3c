using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Benchmarks.Workloads;

/// <summary>
/// One workload per process run, for <c>benchmarks/compare.sh</c>: VhdKit through the library, and the raw-file
/// reader/writer with the same buffer size. Prints the in-process time of the workload in seconds (start-up,
/// opening and, for reads, an untimed warm-up pass excluded; the final flush included), or for <c>create</c> and <c>open</c> the median and the 10th and
/// 90th percentiles in milliseconds.
/// </summary>
internal static class WorkloadRunner
{
    private const int BufferSize = 1024 * 1024;
    private const int SmallIo = 4096;

    /// <summary>Read before the timed pass (untimed), so the timed pass runs tiered-up code, as a long-lived caller would.</summary>
    private const long WarmUpBytes = 64L * 1024 * 1024;

    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: --workload build|buildchain|seqread|parread|seqreadonce|randreadonce|randreadpasses|rawseqread|randread|rawrandread|seqwrite|rawseqwrite|randwrite|rawrandwrite|merge|convert|create|open|azcontainer|fullpageupload ARGS");
            return 2;
        }

        string[] a = args[1..];
        switch (args[0])
        {
            case "build": TestImages.Build(a[0], long.Parse(a[1], CultureInfo.InvariantCulture) * BufferSize, a.Length > 2 ? int.Parse(a[2], CultureInfo.InvariantCulture) : 8); return 0;
            case "buildchain": TestImages.BuildChain(a[0], long.Parse(a[1], CultureInfo.InvariantCulture) * BufferSize); return 0;
            case "seqread": Report(SequentialRead(a[0])); return 0;
            case "parread": Report(ParallelReadWorkload.Run(a[0], int.Parse(a[1], CultureInfo.InvariantCulture), int.Parse(a[2], CultureInfo.InvariantCulture), int.Parse(a[3], CultureInfo.InvariantCulture))); return 0;
            case "seqreadonce": Report(Time(() => SequentialReadOnce(a[0], a.Length > 1 ? long.Parse(a[1], CultureInfo.InvariantCulture) : 0))); return 0;
            case "randreadonce": Report(Time(() => RandomReadOnce(a[0], Offsets(a[1])))); return 0;
            case "randreadpasses": Report(RandomReadPasses(a[0], Offsets(a[1]), int.Parse(a[2], CultureInfo.InvariantCulture), a.Length > 3 && a[3] == "cached")); return 0;
            case "rawseqread": Report(Time(() => RawSequentialRead(a[0]))); return 0;
            case "randread": Report(RandomRead(a[0], Offsets(a[1]))); return 0;
            case "rawrandread": Report(RawRandomRead(a[0], Offsets(a[1]))); return 0;
            case "seqwrite": Report(ChildWrite(a[0], a[1], SequentialOffsets(Mib(a[2])), BufferSize)); return 0;
            case "rawseqwrite": Report(RawWrite(a[0], SequentialOffsets(Mib(a[1])), BufferSize)); return 0;
            case "randwrite": Report(ChildWrite(a[0], a[1], Offsets(a[2]), SmallIo)); return 0;
            case "rawrandwrite": Report(RawWrite(a[0], Offsets(a[1]), SmallIo)); return 0;
            case "merge": Report(Time(() => MergeOperation.Run(new MergeRequest(a[0])))); return 0;
            case "convert": Report(Convert(a[0], a[1], Enum.Parse<ConvertFormat>(a[2], ignoreCase: true))); return 0;
            case "create": ReportMillis(CreateLatencies(a[0], a[1], int.Parse(a[2], CultureInfo.InvariantCulture))); return 0;
            case "open": ReportMillis(OpenLatencies(a[0], int.Parse(a[1], CultureInfo.InvariantCulture))); return 0;
            case "azcontainer": FullPageUpload.CreateContainer(a[0]); return 0;
            case "fullpageupload":
                (double seconds, long bytes) = FullPageUpload.Run(a[0], a[1], int.Parse(a[2], CultureInfo.InvariantCulture));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds:F6} {bytes}"));
                return 0;
            default: Console.Error.WriteLine($"unknown workload '{args[0]}'"); return 2;
        }
    }

    private static double SequentialRead(string path)
    {
        var buffer = new byte[BufferSize];
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        ReadAll(disk, buffer, Math.Min(disk.Capacity, WarmUpBytes));
        return Time(() => ReadAll(disk, buffer, disk.Capacity));
    }

    /// <summary>
    /// One pass from <paramref name="start"/> to the end, no warm-up: for counting system calls
    /// (<c>benchmarks/chain-preads.sh</c>), opening included. A start off a block boundary makes reads cross blocks.
    /// </summary>
    private static void SequentialReadOnce(string path, long start)
    {
        var buffer = new byte[BufferSize];
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        for (long offset = start; offset < disk.Capacity; offset += BufferSize)
        {
            disk.Read(buffer.AsSpan(0, (int)Math.Min(BufferSize, disk.Capacity - offset)), offset);
        }
    }

    /// <summary>As <see cref="SequentialReadOnce"/>, 4 KiB reads at the given offsets.</summary>
    private static void RandomReadOnce(string path, long[] offsets)
    {
        var buffer = new byte[SmallIo];
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        foreach (long offset in offsets)
        {
            disk.Read(buffer, offset);
        }
    }

    /// <summary>
    /// For profiling (perf record) the random-read row: <paramref name="passes"/> passes of 4 KiB reads at the given
    /// offsets, each on the chain opened afresh (every block's bitmap a first visit), or with <paramref name="cached"/>
    /// all on one chain opened once (every bitmap cached after an untimed first pass); the total time of the passes.
    /// </summary>
    private static double RandomReadPasses(string path, long[] offsets, int passes, bool cached)
    {
        var buffer = new byte[SmallIo];
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        RandomReadOnce(path, offsets);
        foreach (long offset in offsets)
        {
            disk.Read(buffer, offset);
        }

        return Time(() =>
        {
            for (int pass = 0; pass < passes; pass++)
            {
                if (!cached)
                {
                    RandomReadOnce(path, offsets);
                    continue;
                }

                foreach (long offset in offsets)
                {
                    disk.Read(buffer, offset);
                }
            }
        });
    }

    private static void ReadAll(VirtualDisk disk, byte[] buffer, long length)
    {
        for (long offset = 0; offset < length; offset += BufferSize)
        {
            disk.Read(buffer.AsSpan(0, (int)Math.Min(BufferSize, length - offset)), offset);
        }
    }

    private static void RawSequentialRead(string path)
    {
        var buffer = new byte[BufferSize];
        using SafeFileHandle handle = File.OpenHandle(path);
        for (long offset = 0; RandomAccess.Read(handle, buffer, offset) is int n && n > 0; offset += n)
        {
        }
    }

    private static double RandomRead(string path, long[] offsets)
    {
        var buffer = new byte[SmallIo];
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        foreach (long offset in offsets.AsSpan(0, Math.Min(offsets.Length, 256)))
        {
            disk.Read(buffer, offset);
        }

        return Time(() =>
        {
            foreach (long offset in offsets)
            {
                disk.Read(buffer, offset);
            }
        });
    }

    private static double RawRandomRead(string path, long[] offsets)
    {
        var buffer = new byte[SmallIo];
        using SafeFileHandle handle = File.OpenHandle(path);
        return Time(() =>
        {
            foreach (long offset in offsets)
            {
                RandomAccess.Read(handle, buffer, offset);
            }
        });
    }

    private static double ChildWrite(string parent, string path, long[] offsets, int size)
    {
        var data = new byte[size];
        new Random(2).NextBytes(data);
        CreateOperation.Run(CreateRequest.Differencing(path, parent));
        using VirtualDisk disk = VirtualDisk.Open(path);
        return Time(() =>
        {
            foreach (long offset in offsets)
            {
                disk.Write(data, offset);
            }

            disk.Flush();
        });
    }

    private static double RawWrite(string path, long[] offsets, int size)
    {
        var data = new byte[size];
        new Random(2).NextBytes(data);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
        return Time(() =>
        {
            foreach (long offset in offsets)
            {
                RandomAccess.Write(handle, data, offset);
            }

            RandomAccess.FlushToDisk(handle);
        });
    }

    /// <summary>Times a whole conversion as a user runs it: opening the chain is part of it.</summary>
    private static double Convert(string source, string target, ConvertFormat format) =>
        Time(() => ConvertOperation.Run(new ConvertRequest(source, target) { SourceFormat = ImageFormat.Vhd, TargetFormat = format }));

    /// <summary>CreateDifferencingVirtualHardDisk through the automation API, waited for (the file is flushed before the task completes).</summary>
    private static double[] CreateLatencies(string folder, string parent, int count)
    {
        Directory.CreateDirectory(folder);
        var server = new VMVirtualServer();
        var times = new double[count];
        for (int i = 0; i < count; i++)
        {
            string path = Path.Combine(folder, $"c{i}.vhd");
            long start = Stopwatch.GetTimestamp();
            IVMTask task = server.CreateDifferencingVirtualHardDisk(path, parent);
            task.WaitForCompletion(-1);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (task.Result != VMTaskResult.Success)
            {
                throw new InvalidOperationException($"Creating {path} failed: {task.ErrorDescription}");
            }

            File.Delete(path);
        }

        server.Shutdown();
        return times;
    }

    private static double[] OpenLatencies(string leaf, int count)
    {
        var times = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using (VirtualDisk.Open(leaf, new VirtualDiskOptions { ReadOnly = true }))
            {
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return times;
    }

    private static long Mib(string text) => long.Parse(text, CultureInfo.InvariantCulture) * BufferSize;

    private static long[] SequentialOffsets(long length) => [.. Enumerable.Range(0, (int)(length / BufferSize)).Select(i => (long)i * BufferSize)];

    private static long[] Offsets(string path) => [.. File.ReadLines(path).Select(line => long.Parse(line, CultureInfo.InvariantCulture))];

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static void Report(double seconds) => Console.WriteLine(seconds.ToString("F6", CultureInfo.InvariantCulture));

    private static void ReportMillis(double[] times)
    {
        Array.Sort(times);
        double At(double q) => times[(int)Math.Min(times.Length - 1, q * times.Length)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{At(0.5):F3} {At(0.1):F3} {At(0.9):F3}"));
    }
}
