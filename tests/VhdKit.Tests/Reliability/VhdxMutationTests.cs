using System.Collections.Concurrent;
using System.Diagnostics;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Hostile input for VHDX, as <see cref="MutationTests"/> and <see cref="ScanPropertyTests"/> are for VHD: every
/// deterministic mutation (<see cref="VhdxMutations"/>) of a valid fixed, dynamic and differencing VHDX and of one with
/// a pending log goes through <c>check</c> (the scan), opening, a read of the disk (a differencing one over its parent)
/// and, on a copy, opening for writing with a small write and a flush. Only the documented exceptions (the
/// <see cref="IOException"/> family) may come out, each case within the VHD run's time and allocation bounds; and
/// <c>check</c> finds no error exactly when the file opens and reads.
/// </summary>
public class VhdxMutationTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private const long CaseTimeLimitMs = 10_000;
    private const long CaseAllocationLimit = 64L * 1024 * 1024;
    private const int ReadWindow = 8 * MiB;
    private const int Chunk = 64 * 1024;
    private readonly TempFolder _folder = new();

    [ThreadStatic]
    private static byte[]? t_buffer;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Every_vhdx_mutation_fails_only_with_a_documented_exception_in_bounds_and_check_is_clean_exactly_when_it_opens()
    {
        (string Name, byte[] Image)[] images = Images();
        using VhdxImage parent = VhdxImage.Open(new MemoryStorage(images[1].Image, "parent", canWrite: false), leaveOpen: false);

        var failures = new ConcurrentQueue<string>();
        var verdictFailures = new ConcurrentQueue<string>();
        long total = 0;
        long opened = 0;
        long written = 0;
        foreach ((string name, byte[] image) in images)
        {
            long count = 0;
            var inFlight = new ConcurrentDictionary<int, string>();
            Task run = Task.Run(() => Parallel.ForEach(VhdxMutations.Of(image), new ParallelOptions { MaxDegreeOfParallelism = 2 }, mutation =>
            {
                inFlight[Environment.CurrentManagedThreadId] = mutation.What;
                Outcome outcome = RunCase(image, mutation, parent);
                if (outcome.Failure is { } failure && failures.Count < 20)
                {
                    failures.Enqueue($"{name}: {mutation.What}: {failure}");
                }

                if (outcome.CheckClean != (outcome.ReadError is null) && verdictFailures.Count < 20)
                {
                    string verdict = outcome.CheckClean ? "check is clean" : $"check finds {outcome.FirstError}";
                    verdictFailures.Enqueue($"{name}: {mutation.What}: {verdict}, but opening and reading {(outcome.ReadError is null ? "works" : "fails: " + outcome.ReadError)}");
                }

                Interlocked.Add(ref opened, outcome.ReadError is null ? 1 : 0);
                Interlocked.Add(ref written, outcome.Written ? 1 : 0);
                Interlocked.Increment(ref count);
            }));
            Task finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(5)));
            Assert.True(finished == run, $"{name}: the mutation run hangs in: {string.Join("; ", inFlight.Values)}");
            await run;
            output.WriteLine($"{name}: {count} mutation cases");
            total += count;
        }

        output.WriteLine($"{total} VHDX mutation cases in all; {opened} opened and were read through, {written} took a write and a flush");
        Assert.True(failures.IsEmpty, string.Join("\n", failures));
        Assert.True(verdictFailures.IsEmpty, string.Join("\n", verdictFailures));
        Assert.True(opened > total / 10, $"only {opened} of {total} mutated images opened: the mutations barely reach the readers");
        Assert.True(written > total / 10, $"only {written} of {total} mutated images took a write");
        Assert.True(total >= 30_000, $"only {total} cases");
    }

    /// <summary>A fixed, a dynamic (the differencing one's parent), a differencing VHDX and a dynamic one left with a pending log, each with data.</summary>
    private (string Name, byte[] Image)[] Images()
    {
        string fixedPath = _folder.File("fixed.vhdx");
        string dynamicPath = _folder.File("dynamic.vhdx");
        string childPath = _folder.File("child.vhdx");
        VhdxTestFiles.Create(fixedPath, VhdDiskType.Fixed, 3L * MiB, MiB);
        VhdxTestFiles.WriteFixed(fixedPath, 4096, VhdxTestFiles.Pattern(70_000, 1));
        VhdxTestFiles.Create(dynamicPath, VhdDiskType.Dynamic, 3L * MiB, MiB);
        using (VhdxImage image = VhdxImage.OpenWritable(dynamicPath))
        {
            image.WriteSectors(VhdxTestFiles.Pattern(MiB + 8192, 2), 512 * 1024);
        }

        VhdxTestFiles.Create(childPath, VhdDiskType.Differencing, parent: dynamicPath, blockSize: MiB);
        using (VhdxImage image = VhdxImage.OpenWritable(childPath))
        {
            image.WriteSectors(VhdxTestFiles.Pattern(9 * 512, 3), 3 * 512);
            image.WriteSectors(VhdxTestFiles.Pattern(64 * 1024, 4), (2L * MiB) + 4096);
        }

        // A writer that flushed and never closed: LogGuid set, the entry in the log (replaying it again changes nothing).
        var pending = new MemoryStorage(File.ReadAllBytes(dynamicPath), "pending");
        VhdxImage writer = VhdxImage.OpenWritable(pending);
        writer.WriteSectors(VhdxTestFiles.Pattern(8192, 5), (2L * MiB) + 512);
        writer.Flush();
        byte[] withLog = pending.ToArray();
        using (VhdxImage reopened = VhdxImage.Open(new MemoryStorage(withLog, "check", canWrite: false), leaveOpen: false))
        {
            Assert.NotNull(reopened.LogReplay);
            Assert.True(reopened.LogReplay!.Entries > 0);
        }

        return [("fixed", File.ReadAllBytes(fixedPath)), ("dynamic", File.ReadAllBytes(dynamicPath)), ("differencing", File.ReadAllBytes(childPath)), ("pending log", withLog)];
    }

    private sealed record Outcome(string? Failure, bool CheckClean, string? FirstError, string? ReadError, bool Written);

    private static Outcome RunCase(byte[] image, Mutation mutation, VhdxImage parent)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        bool clean = false;
        string? firstError = null;
        string? readError = null;
        bool written = false;
        try
        {
            using var storage = new MutatedStorage(image, mutation.Length, mutation.Offset, mutation.Patch);
            CheckResult report = CheckOperation.Check(storage);
            clean = report.IsClean;
            firstError = report.Faults.FirstOrDefault(f => f.Severity == FaultSeverity.Error)?.Code.ToString();
            readError = ReadError(storage, parent);
            written = WriteOnCopy(storage, parent);
        }
        catch (Exception e)
        {
            return new Outcome($"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}", clean, firstError, readError, written);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        string? bound = allocated > CaseAllocationLimit ? $"allocated {allocated} bytes"
            : clock.ElapsedMilliseconds > CaseTimeLimitMs ? $"took {clock.ElapsedMilliseconds} ms" : null;
        return new Outcome(bound, clean, firstError, readError, written);
    }

    /// <summary>Opens the file (over the parent when it is a child of the parent's size and sector size) and reads its windows; returns why that failed (a documented exception), or null.</summary>
    private static string? ReadError(IPositionalStorage storage, VhdxImage parent)
    {
        try
        {
            using VhdxImage leaf = VhdxImage.Open(storage);
            Read(leaf, parent);
            return null;
        }
        catch (IOException e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>Opens a copy for writing, writes a few sectors, flushes, closes, and reads it again; false when it was refused (a documented exception).</summary>
    private static bool WriteOnCopy(IPositionalStorage storage, VhdxImage parent)
    {
        try
        {
            var copy = new OverlayStorage(storage);
            using (VhdxImage image = VhdxImage.OpenWritable(copy))
            {
                int sector = image.LogicalSectorSize;
                byte[] data = t_buffer ??= new byte[Chunk];
                data.AsSpan(0, 2 * sector).Fill(0x5A);
                if (image.Capacity >= 4L * sector)
                {
                    long offset = Math.Min(image.Capacity - (2L * sector), MiB + sector) / sector * sector;
                    image.WriteSectors(data.AsSpan(0, 2 * sector), offset);
                    image.WriteSectors(data.AsSpan(0, sector), 0);
                }

                image.Flush();
            }

            using VhdxImage again = VhdxImage.Open(copy);
            Read(again, parent);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Reads the first 8 MiB and the last 64 KiB: a mutated size may claim terabytes.</summary>
    private static void Read(VhdxImage leaf, VhdxImage parent)
    {
        bool withParent = leaf.DiskType == VhdDiskType.Differencing && leaf.Capacity == parent.Capacity && leaf.LogicalSectorSize == parent.LogicalSectorSize;
        IDiskLayer[] layers = withParent ? [leaf, parent] : [leaf];
        byte[] buffer = t_buffer ??= new byte[Chunk];
        for (long offset = 0; offset < Math.Min(leaf.Capacity, ReadWindow); offset += Chunk)
        {
            LayerWalk.Read(layers, buffer.AsSpan(0, (int)Math.Min(Chunk, leaf.Capacity - offset)), offset);
        }

        long last = Math.Max(0, leaf.Capacity - Chunk);
        LayerWalk.Read(layers, buffer.AsSpan(0, (int)Math.Min(Chunk, leaf.Capacity - last)), last);
    }
}
