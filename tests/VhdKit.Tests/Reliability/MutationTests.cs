using System.Collections.Concurrent;
using System.Diagnostics;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Hostile input: every deterministic mutation of valid fixed, dynamic and differencing images goes through open,
/// check and a read of the disk; only the documented exceptions (the <see cref="IOException"/> family:
/// <see cref="VhdKit.Format.VhdFormatException"/>, <see cref="ParentResolutionException"/>, ...) may come out,
/// each case finishes within a bound and allocates less than a bound.
/// </summary>
public class MutationTests(ITestOutputHelper output) : IDisposable
{
    private const long CaseTimeLimitMs = 10_000;
    private const long CaseAllocationLimit = 64L * 1024 * 1024;
    private const int ReadWindow = 8 * 1024 * 1024;
    private readonly TempFolder _folder = new();

    [ThreadStatic]
    private static byte[]? t_buffer;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_mutation_of_every_image_type_fails_only_with_a_documented_exception_in_bounded_time_and_memory()
    {
        var chain = new ChainBuilder(_folder.Path, 3 * 1024 * 1024, 41);
        string dynamicPath = chain.AddLayer(3, 512 * 1024, maxWrite: 100_000);
        string differencingPath = chain.AddLayer(3, 512 * 1024, maxWrite: 100_000);
        string fixedPath = ImageFiles.Fixed(_folder.File("fixed.vhd"), 3 * 1024 * 1024);
        byte[] parentBytes = File.ReadAllBytes(dynamicPath);
        using VhdImage parent = VhdImage.Open(new VhdKit.Storage.MemoryStorage(parentBytes, "parent", canWrite: false));

        var failures = new ConcurrentQueue<string>();
        long total = 0;
        long read = 0;
        foreach ((string name, byte[] image) in new[] { ("fixed", File.ReadAllBytes(fixedPath)), ("dynamic", parentBytes), ("differencing", File.ReadAllBytes(differencingPath)) })
        {
            long count = 0;
            var inFlight = new ConcurrentDictionary<int, string>();
            Task run = Task.Run(() => Parallel.ForEach(Mutations.Of(image), new ParallelOptions { MaxDegreeOfParallelism = 2 }, mutation =>
            {
                inFlight[Environment.CurrentManagedThreadId] = mutation.What;
                if (RunCase(image, mutation, parent, ref read) is { } failure && failures.Count < 20)
                {
                    failures.Enqueue($"{name}: {mutation.What}: {failure}");
                }

                Interlocked.Increment(ref count);
            }));
            Task finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(5)));
            Assert.True(finished == run, $"{name}: the mutation run hangs in: {string.Join("; ", inFlight.Values)}");
            await run;
            output.WriteLine($"{name}: {count} mutation cases");
            total += count;
        }

        output.WriteLine($"{total} mutation cases in all; {read} opened and were read through");
        Assert.True(read > total / 10, $"only {read} of {total} mutated images opened: the mutations barely reach the readers");
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.True(total >= 100_000, $"only {total} cases");
    }

    /// <summary>Runs one case; returns what went wrong, or null.</summary>
    private static string? RunCase(byte[] image, Mutation mutation, VhdImage parent, ref long read)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        try
        {
            using var storage = new MutatedStorage(image, mutation.Length, mutation.Offset, mutation.Patch);
            CheckOperation.Check(storage);
            VhdImage leaf = VhdImage.Open(storage);
            bool withParent = leaf.Header is { } header && leaf.DiskType == VhdKit.Format.VhdDiskType.Differencing && header.ParentUniqueId == parent.UniqueId;
            using VirtualDisk disk = VirtualDisk.Open(withParent ? [leaf, parent] : [leaf]);

            // The first 8 MiB and the last 64 KiB: a mutated size may claim terabytes.
            byte[] buffer = t_buffer ??= new byte[64 * 1024];
            for (long offset = 0; offset < Math.Min(disk.Capacity, ReadWindow); offset += buffer.Length)
            {
                disk.Read(buffer, offset);
            }

            disk.Read(buffer, Math.Max(0, disk.Capacity - buffer.Length));
            Interlocked.Increment(ref read);
        }
        catch (IOException)
        {
            // Documented: VhdFormatException, ParentResolutionException and other I/O failures.
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}";
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        if (allocated > CaseAllocationLimit)
        {
            return $"allocated {allocated} bytes";
        }

        return clock.ElapsedMilliseconds > CaseTimeLimitMs ? $"took {clock.ElapsedMilliseconds} ms" : null;
    }
}
