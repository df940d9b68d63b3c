using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss (as <see cref="VhdxPowerLossTests"/>) while partially present blocks of a differencing VHDX
/// fill up piece by piece and turn FULLY_PRESENT through the logged flush: every sampled crash state opens, holds per
/// sector its acknowledged or a newly written content, reads the same in the spec reader, and takes a further write.
/// </summary>
public class VhdxPromotionPowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private const long Capacity = 4L * MiB;
    private const int SectorSize = 512;
    private const int StatesPerEpoch = 10;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(2, 51)]
    [InlineData(3, 52)]
    public void Blocks_filled_piece_by_piece_turn_fully_present_and_survive_every_sampled_crash(int depth, int seed)
    {
        var random = new Random(seed);
        string folder = _folder.File($"chain{depth}-{seed}");
        Directory.CreateDirectory(folder);
        byte[] model = new byte[Capacity];
        string[] layers = BuildChain(folder, depth, random, model);
        string leaf = layers[0];
        var storage = new CrashSimulatingStorage(File.ReadAllBytes(leaf), "leaf");

        var acks = new List<(int StorageFlushes, byte[] Model)> { (0, (byte[])model.Clone()) };
        var writes = new List<(int AckIndex, long Offset, byte[] Data)>();
        using (VhdxImage image = VhdxImage.OpenWritable(storage))
        {
            // Each block in 4-6 pieces of random order, a flush after some of them.
            foreach (long block in new long[] { 0, 2, 3, 1 })
            {
                int pieces = random.Next(4, 7);
                long[] cuts = [.. Enumerable.Range(1, pieces - 1).Select(_ => (long)random.Next(1, MiB / SectorSize) * SectorSize).Append(0).Append(MiB).Distinct().Order()];
                foreach (int piece in Enumerable.Range(0, cuts.Length - 1).OrderBy(_ => random.Next()))
                {
                    var data = new byte[cuts[piece + 1] - cuts[piece]];
                    random.NextBytes(data);
                    long offset = (block * MiB) + cuts[piece];
                    image.WriteSectors(data, offset);
                    data.CopyTo(model, offset);
                    writes.Add((acks.Count - 1, offset, data));
                    if (random.Next(2) == 0)
                    {
                        image.Flush();
                        acks.Add((storage.Flushes, (byte[])model.Clone()));
                    }
                }
            }

            image.Flush();
            acks.Add((storage.Flushes, (byte[])model.Clone()));
            for (long block = 0; block < 4; block++)
            {
                Assert.Equal(VhdxBlockState.FullyPresent, image.PayloadEntry(block).State);
            }
        }

        string crashed = Path.Combine(folder, "crashed.vhdx");
        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, StatesPerEpoch))
        {
            int ack = acks.FindLastIndex(a => a.StorageFlushes <= state.Epoch);
            File.WriteAllBytes(crashed, state.Image);
            byte[] content = Read(crashed);
            var pending = writes.Where(w => w.AckIndex == ack).Select(w => (w.Offset, w.Data)).ToList();
            PowerLossTests.AssertOldOrNew(content, acks[ack].Model, pending, state, tried);
            if (tried % 10 == 0)
            {
                Assert.True(content.AsSpan().SequenceEqual(VhdxSpecReader.Content(crashed, crashed + ".spec", layers[1..])), $"crash state {tried}: the spec reader differs");
            }

            if (tried % 8 == 0)
            {
                using (VhdxImage image = VhdxImage.OpenWritable(crashed))
                {
                    image.WriteSectors(new byte[SectorSize * 3], MiB - SectorSize);
                }

                content.AsSpan(MiB - SectorSize, SectorSize * 3).Clear();
                ChainBuilder.AssertBytes(content, Read(crashed));
            }

            tried++;
        }

        output.WriteLine($"depth {depth}, seed {seed}: {storage.Flushes} storage flushes, {writes.Count} writes, {tried} crash states tried");
        Assert.True(tried > 100, $"only {tried} crash states");
    }

    /// <summary>A chain of <paramref name="depth"/> VHDX files, each parent written with random data; returns the files leaf first (the leaf empty).</summary>
    private static string[] BuildChain(string folder, int depth, Random random, byte[] model)
    {
        var paths = new List<string>();
        for (int i = 0; i < depth; i++)
        {
            string path = Path.Combine(folder, $"l{i}.vhdx");
            VhdxTestFiles.Create(path, i == 0 ? VhdDiskType.Dynamic : VhdDiskType.Differencing, i == 0 ? Capacity : 0, MiB, parent: i == 0 ? null : paths[0]);
            if (i < depth - 1)
            {
                using VirtualDisk disk = VirtualDisk.Open(path);
                var data = new byte[random.Next(1, 900_000) / SectorSize * SectorSize];
                random.NextBytes(data);
                long offset = random.NextInt64(0, (Capacity - data.Length) / SectorSize) * SectorSize;
                disk.Write(data, offset);
                data.CopyTo(model, offset);
            }

            paths.Insert(0, path);
        }

        return [.. paths];
    }

    private static byte[] Read(string path)
    {
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        var content = new byte[disk.Capacity];
        Assert.Equal(content.Length, disk.Read(content, 0));
        return content;
    }
}
