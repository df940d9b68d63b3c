using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss: workloads run over a <see cref="CrashSimulatingStorage"/>, then every crash state of a
/// seeded, bounded sample must open, check clean without repair, hold per sector its old or its new content, and
/// keep everything a completed flush acknowledged.
/// </summary>
public class PowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int Capacity = 3 * 1024 * 1024;
    private const int BlockSize = 512 * 1024;
    private const int SectorSize = 512;
    private const int StatesPerEpoch = 40;
    private const int MergeStatesPerEpoch = 200;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(1, 11)]
    [InlineData(2, 12)]
    [InlineData(3, 13)]
    [InlineData(1, 21)]
    [InlineData(2, 22)]
    [InlineData(3, 23)]
    public void Writes_with_flushes_survive_every_sampled_crash(int depth, int seed)
    {
        var random = new Random(seed);
        (List<byte[]> files, byte[] model) = BuildChain(depth, random);
        var storage = new CrashSimulatingStorage(files[^1], "leaf");
        List<VhdImage> parents = OpenParents(files);

        // acks[i] = (flushes the storage had completed when the i-th disk flush returned, the model it acknowledged);
        // writes carry the number of disk flushes that had completed when they were issued.
        var acks = new List<(int StorageFlushes, byte[] Model)> { (0, (byte[])model.Clone()) };
        var writes = new List<(int AckIndex, long Offset, byte[] Data)>();
        using (VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(storage), .. parents]))
        {
            for (int i = 0; i < 24; i++)
            {
                int sectors = random.Next(3) == 0 ? random.Next(1, 8) : random.Next(1, 400);
                long offset = (long)random.Next(0, (Capacity / SectorSize) - sectors + 1) * SectorSize;
                var data = new byte[sectors * SectorSize];
                random.NextBytes(data);
                disk.Write(data, offset);
                data.CopyTo(model, offset);
                writes.Add((acks.Count - 1, offset, data));
                if (random.Next(3) == 0 || i == 23)
                {
                    disk.Flush();
                    acks.Add((storage.Flushes, (byte[])model.Clone()));
                }
            }
        }

        // Every acknowledged flush left exactly its model on disk.
        foreach ((int flushes, byte[] acknowledged) in acks)
        {
            ChainBuilder.AssertBytes(acknowledged, ReadDisk(storage.Durable(flushes), parents));
        }

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, StatesPerEpoch))
        {
            int ack = acks.FindLastIndex(a => a.StorageFlushes <= state.Epoch);
            byte[] content = CheckOpensClean(state, parents, tried);
            var pending = writes.Where(w => w.AckIndex == ack).Select(w => (w.Offset, w.Data)).ToList();
            AssertOldOrNew(content, acks[ack].Model, pending, state, tried);
            tried++;
        }

        output.WriteLine($"depth {depth}, seed {seed}: {storage.Flushes} storage flushes, {writes.Count} writes, {tried} crash states tried");
        Assert.True(tried > 100, $"only {tried} crash states");
    }

    [Theory]
    [InlineData(2, 31)]
    [InlineData(3, 32)]
    [InlineData(2, 33)]
    public void A_merge_survives_every_sampled_crash(int depth, int seed)
    {
        var random = new Random(seed);
        (List<byte[]> files, byte[] model) = BuildChain(depth, random);

        // Merge the leaf into its parent (the target), which keeps its own parents below.
        var storage = new CrashSimulatingStorage(files[^2], "target");
        List<VhdImage> targetParents = OpenParents(files[..^1]);
        byte[] before = ReadDisk(files[^2], targetParents);
        using (VhdImage leaf = VhdImage.Open(new MemoryStorage(files[^1], "leaf", canWrite: false)))
        using (VhdImage target = VhdImage.Open(storage))
        {
            MergeOperation.Merge([leaf], target);
        }

        ChainBuilder.AssertBytes(model, ReadDisk(storage.Durable(storage.Flushes), targetParents));
        int tried = 0;
        var durableViews = new Dictionary<int, byte[]>();
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, MergeStatesPerEpoch))
        {
            if (!durableViews.TryGetValue(state.Epoch, out byte[]? durable))
            {
                // What the last completed flush left: per sector old or merged (so a sector once merged stays merged below).
                durable = ReadDisk(storage.Durable(state.Epoch), targetParents);
                AssertOldOrNew(durable, before, [(0, model)], state, tried);
                durableViews[state.Epoch] = durable;
            }

            byte[] content = CheckOpensClean(state, targetParents, tried);
            AssertOldOrNew(content, durable, [(0, model)], state, tried);
            tried++;
        }

        output.WriteLine($"merge depth {depth}, seed {seed}: {storage.Flushes} storage flushes, {tried} crash states tried");
        Assert.True(tried > 10, $"only {tried} crash states");
    }

    /// <summary>A chain of <paramref name="depth"/> files (base first) with random data in each, and the leaf's content.</summary>
    private (List<byte[]> Files, byte[] Model) BuildChain(int depth, Random random)
    {
        string folder = _folder.File($"chain{random.Next()}");
        Directory.CreateDirectory(folder);
        var chain = new ChainBuilder(folder, Capacity, random.Next());
        chain.AddLayer(3, BlockSize, maxWrite: 200_000);
        for (int i = 1; i < depth; i++)
        {
            chain.AddLayer(3, BlockSize, maxWrite: 200_000);
        }

        return ([.. chain.Layers.Select(File.ReadAllBytes)], (byte[])chain.Model.Clone());
    }

    /// <summary>The layers below the leaf, read-only in memory, nearest first.</summary>
    private static List<VhdImage> OpenParents(List<byte[]> files)
    {
        var parents = new List<VhdImage>();
        for (int i = files.Count - 2; i >= 0; i--)
        {
            parents.Add(VhdImage.Open(new MemoryStorage(files[i], $"layer{i}", canWrite: false)));
        }

        return parents;
    }

    private static byte[] ReadDisk(byte[] leafFile, List<VhdImage> parents)
    {
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(new MemoryStorage(leafFile, "crashed", canWrite: false)), .. parents]);
        var content = new byte[disk.Capacity];
        Assert.Equal(content.Length, disk.Read(content, 0));
        return content;
    }

    /// <summary>Checks that the crashed file checks clean and opens without repair; every 8th is also written to and re-checked.</summary>
    private static byte[] CheckOpensClean(CrashSimulatingStorage.CrashState state, List<VhdImage> parents, int index)
    {
        CheckResult report = CheckOperation.Check(new MemoryStorage(state.Image, "crashed", canWrite: false));
        // Clean, and no warning but an orphan tail: a lost end footer (a warning since the one scan) is still a failure here.
        Assert.True(report.Faults.All(f => f.Code == FaultCode.OrphanTail), $"crash state {index} (epoch {state.Epoch}): {string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}"))}");
        byte[] content = ReadDisk(state.Image, parents);
        if (index % 8 == 0)
        {
            // Work continues on the crashed file: a write into a new place and a flush leave it clean.
            var continued = new MemoryStorage(state.Image, "continued");
            using (VhdImage leaf = VhdImage.Open(continued))
            {
                leaf.WriteSectors(new byte[SectorSize * 3], Capacity - (SectorSize * 3));
                leaf.Flush();
            }

            CheckResult after = CheckOperation.Check(continued);
            Assert.True(after.IsClean, $"crash state {index} after a further write: {string.Join("; ", after.Faults.Select(f => $"{f.Code}: {f.Message}"))}");
        }

        return content;
    }

    internal static void AssertOldOrNew(byte[] content, byte[] old, List<(long Offset, byte[] Data)> newWrites,
        CrashSimulatingStorage.CrashState state, int index)
    {
        for (int sector = 0; sector < content.Length / SectorSize; sector++)
        {
            long at = (long)sector * SectorSize;
            ReadOnlySpan<byte> now = content.AsSpan((int)at, SectorSize);
            if (now.SequenceEqual(old.AsSpan((int)at, SectorSize)))
            {
                continue;
            }

            bool isNew = false;
            foreach ((long offset, byte[] data) in newWrites)
            {
                isNew |= at >= offset && at + SectorSize <= offset + data.Length && now.SequenceEqual(data.AsSpan((int)(at - offset), SectorSize));
            }

            Assert.True(isNew, $"crash state {index} (epoch {state.Epoch}): sector {sector} holds neither its acknowledged nor any newly written content");
        }
    }
}
