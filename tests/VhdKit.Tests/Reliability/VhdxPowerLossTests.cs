using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images.Vhdx;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss on VHDX chains of depth 1-3: writes with flushes run into the leaf over a
/// <see cref="CrashSimulatingStorage"/>; every sampled crash state (every epoch between two fsyncs: nothing,
/// everything, every prefix torn, random subsets) must open in our reader (its pending log replayed), hold per sector
/// its acknowledged or a newly written content, read the same in the independent spec reader and, for a disk qemu
/// opens (no parent), in qemu after its own log replay; and reopened for writing (the log replayed into the file) it
/// takes a further write.
/// </summary>
public class VhdxPowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private const long Capacity = 6L * MiB;
    private const int SectorSize = 512;
    private const int StatesPerEpoch = 14;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(1, 41)]
    [InlineData(2, 42)]
    [InlineData(3, 43)]
    [InlineData(1, 44)]
    public void Vhdx_writes_with_flushes_survive_every_sampled_crash(int depth, int seed)
    {
        var random = new Random(seed);
        string folder = _folder.File($"chain{depth}-{seed}");
        Directory.CreateDirectory(folder);
        byte[] model = new byte[Capacity];
        string leaf = BuildChain(folder, depth, random, model);
        var storage = new CrashSimulatingStorage(File.ReadAllBytes(leaf), "leaf");

        var acks = new List<(int StorageFlushes, byte[] Model)> { (0, (byte[])model.Clone()) };
        var writes = new List<(int AckIndex, long Offset, byte[] Data)>();
        using (VhdxImage image = VhdxImage.OpenWritable(storage))
        {
            for (int i = 0; i < 16; i++)
            {
                int sectors = random.Next(3) == 0 ? random.Next(1, 8) : random.Next(1, 3000);
                long offset = (long)random.Next(0, (int)(Capacity / SectorSize) - sectors + 1) * SectorSize;
                var data = new byte[sectors * SectorSize];
                random.NextBytes(data);
                image.WriteSectors(data, offset);
                data.CopyTo(model, offset);
                writes.Add((acks.Count - 1, offset, data));
                if (random.Next(3) == 0 || i == 15)
                {
                    image.Flush();
                    acks.Add((storage.Flushes, (byte[])model.Clone()));
                }
            }
        }

        string crashed = Path.Combine(folder, "crashed.vhdx");
        foreach ((int flushes, byte[] acknowledged) in acks)
        {
            File.WriteAllBytes(crashed, storage.Durable(flushes));
            ChainBuilder.AssertBytes(acknowledged, Read(crashed));
        }

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
                CheckInPeers(crashed, depth, content, folder, tried);
            }

            if (tried % 8 == 0)
            {
                // Work continues on the crashed file: opened for writing (its log replayed into it), a write and a close.
                using (VhdxImage image = VhdxImage.OpenWritable(crashed))
                {
                    image.WriteSectors(new byte[SectorSize * 3], Capacity - (SectorSize * 3));
                }

                content.AsSpan((int)Capacity - (SectorSize * 3)).Clear();
                ChainBuilder.AssertBytes(content, Read(crashed));
                using VhdxImage reopened = VhdxImage.Open(crashed);
                Assert.Null(reopened.LogReplay);
            }

            tried++;
        }

        output.WriteLine($"depth {depth}, seed {seed}: {storage.Flushes} storage flushes, {writes.Count} writes, {tried} crash states tried");
        Assert.True(tried > 100, $"only {tried} crash states");
    }

    /// <summary>A chain of <paramref name="depth"/> VHDX files (base first), each written with random data through our writer; returns the leaf.</summary>
    private static string BuildChain(string folder, int depth, Random random, byte[] model)
    {
        string? parent = null;
        for (int i = 0; i < depth; i++)
        {
            string path = Path.Combine(folder, $"l{i}.vhdx");
            VhdxTestFiles.Create(path, parent is null ? VhdDiskType.Dynamic : VhdDiskType.Differencing, parent is null ? Capacity : 0, MiB, parent: parent);
            using (VirtualDisk disk = VirtualDisk.Open(path))
            {
                for (int w = 0; w < 3; w++)
                {
                    var data = new byte[random.Next(1, 600_000)];
                    random.NextBytes(data);
                    long offset = random.NextInt64(0, Capacity - data.Length);
                    disk.Write(data, offset);
                    data.CopyTo(model, offset);
                }
            }

            parent = path;
        }

        return parent!;
    }

    private static byte[] Read(string path)
    {
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        var content = new byte[disk.Capacity];
        Assert.Equal(content.Length, disk.Read(content, 0));
        return content;
    }

    private static void CheckInPeers(string crashed, int depth, byte[] content, string folder, int index)
    {
        string[] parents = [.. Enumerable.Range(0, depth - 1).Reverse().Select(i => Path.Combine(folder, $"l{i}.vhdx"))];
        Assert.True(content.AsSpan().SequenceEqual(VhdxSpecReader.Content(crashed, crashed + ".spec", parents)), $"crash state {index}: the spec reader differs");
        if (depth > 1)
        {
            return; // qemu-img 7.2 does not open differencing VHDX
        }

        string qemuImg = PeerTools.Require("qemu-img");
        string copy = crashed + ".qemu";
        File.Copy(crashed, copy, overwrite: true);
        ProcessResult check = PeerTools.Run(qemuImg, ["check", "-r", "all", "-f", "vhdx", copy]);
        Assert.True(check.ExitCode == 0, $"crash state {index}: qemu-img check -r all: {check.Stdout}{check.Stderr}");
        string raw = crashed + ".raw";
        File.Delete(raw);
        PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", copy, raw);
        Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(raw)), $"crash state {index}: qemu's content differs");
    }
}
