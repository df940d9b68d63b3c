using System.Collections.Concurrent;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// The two promises of the one scan, over every mutation of valid fixed, dynamic and differencing images
/// (<see cref="Mutations"/>): <c>check</c> finds no error exactly when the image opens and reads, and
/// <c>repair</c> never makes readable content unreadable or different.
/// </summary>
public class ScanPropertyTests(ITestOutputHelper output) : IDisposable
{
    private const int ReadWindow = 8 * 1024 * 1024;
    private const int Chunk = 64 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Check_finds_no_error_exactly_when_the_image_opens_and_reads_and_repair_keeps_every_readable_byte()
    {
        var chain = new ChainBuilder(_folder.Path, 3 * 1024 * 1024, 43);
        string dynamicPath = chain.AddLayer(3, 512 * 1024, maxWrite: 100_000);
        string differencingPath = chain.AddLayer(3, 512 * 1024, maxWrite: 100_000);
        string fixedPath = ImageFiles.Fixed(_folder.File("fixed.vhd"), 3 * 1024 * 1024);
        byte[] parentBytes = File.ReadAllBytes(dynamicPath);
        using VhdImage parent = VhdImage.Open(new MemoryStorage(parentBytes, "parent", canWrite: false));

        var verdictFailures = new ConcurrentQueue<string>();
        var repairFailures = new ConcurrentQueue<string>();
        long total = 0;
        long opened = 0;
        long repairedReadable = 0;
        foreach ((string name, byte[] image) in new[] { ("fixed", File.ReadAllBytes(fixedPath)), ("dynamic", parentBytes), ("differencing", File.ReadAllBytes(differencingPath)) })
        {
            Parallel.ForEach(Mutations.Of(image), new ParallelOptions { MaxDegreeOfParallelism = 2 }, mutation =>
            {
                Interlocked.Increment(ref total);
                using var storage = new MutatedStorage(image, mutation.Length, mutation.Offset, mutation.Patch);
                CheckResult report = CheckOperation.Check(storage);
                string? readError = ReadError(storage, parent);
                if (readError is null)
                {
                    Interlocked.Increment(ref opened);
                }

                if (report.IsClean != (readError is null) && verdictFailures.Count < 20)
                {
                    string verdict = report.IsClean ? "check is clean" : $"check finds {report.Faults.First(f => f.Severity == FaultSeverity.Error).Code}";
                    verdictFailures.Enqueue($"{name}: {mutation.What}: {verdict}, but opening and reading {(readError is null ? "works" : "fails: " + readError)}");
                }

                var repaired = new OverlayStorage(storage);
                try
                {
                    RepairOperation.Repair(repaired);
                }
                catch (IOException)
                {
                    // A file repair cannot read is left alone (Changed says whether it wrote anything first).
                }

                if (readError is null && repaired.Changed)
                {
                    Interlocked.Increment(ref repairedReadable);
                    string? lost = Lost(storage, repaired, parent);
                    if (lost is not null && repairFailures.Count < 20)
                    {
                        repairFailures.Enqueue($"{name}: {mutation.What}: repair {lost}");
                    }
                }
            });
        }

        output.WriteLine($"{total} mutation cases; {opened} opened and read; {repairedReadable} readable ones changed by repair, each compared byte for byte");
        Assert.True(verdictFailures.IsEmpty, string.Join("\n", verdictFailures));
        Assert.True(repairFailures.IsEmpty, string.Join("\n", repairFailures));
        Assert.True(total >= 100_000, $"only {total} cases");
        Assert.True(repairedReadable > 100, $"only {repairedReadable} readable images were changed by repair: the property barely runs");
    }

    /// <summary>Opens the image (with the parent when it names it) and reads its windows; returns why that failed, or null.</summary>
    private static string? ReadError(IPositionalStorage storage, VhdImage parent)
    {
        try
        {
            using VirtualDisk disk = Open(storage, parent);
            byte[] buffer = new byte[Chunk];
            foreach (long offset in Windows(disk.Capacity))
            {
                disk.Read(buffer, offset);
            }

            return null;
        }
        catch (IOException e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>What repair lost: null when the repaired image opens and reads the same bytes as before.</summary>
    private static string? Lost(IPositionalStorage before, IPositionalStorage after, VhdImage parent)
    {
        try
        {
            using VirtualDisk old = Open(before, parent);
            using VirtualDisk now = Open(after, parent);
            if (old.Capacity != now.Capacity)
            {
                return $"changed the size from {old.Capacity} to {now.Capacity}";
            }

            byte[] a = new byte[Chunk];
            byte[] b = new byte[Chunk];
            foreach (long offset in Windows(old.Capacity))
            {
                old.Read(a, offset);
                now.Read(b, offset);
                if (!a.AsSpan().SequenceEqual(b))
                {
                    return $"changed the content in the 64 KiB at {offset}";
                }
            }

            return null;
        }
        catch (IOException e)
        {
            return $"made a readable image unreadable: {e.GetType().Name}: {e.Message}";
        }
    }

    private static VirtualDisk Open(IPositionalStorage storage, VhdImage parent)
    {
        VhdImage leaf = VhdImage.Open(storage);
        bool withParent = leaf.DiskType == VhdDiskType.Differencing && leaf.Header!.Value.ParentUniqueId == parent.UniqueId;
        return VirtualDisk.Open(withParent ? [leaf, parent] : [leaf]);
    }

    /// <summary>The first 8 MiB and the last 64 KiB: a mutated size may claim terabytes.</summary>
    private static IEnumerable<long> Windows(long capacity)
    {
        for (long offset = 0; offset < Math.Min(capacity, ReadWindow); offset += Chunk)
        {
            yield return offset;
        }

        yield return Math.Max(0, capacity - Chunk);
    }
}
