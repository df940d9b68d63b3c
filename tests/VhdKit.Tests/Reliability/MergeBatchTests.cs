using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Merge into a VHD (issue 13): the runs a child holds go file to file in the kernel, and the flushes come in batches
/// that grow, with the target's allocation reservations: fewer fsyncs, every sampled crash state still valid.
/// </summary>
public sealed class MergeBatchTests : IDisposable
{
    private const int Capacity = 8 * 1024 * 1024;
    private const int BlockSize = 512 * 1024;
    private const int SectorSize = 512;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_merge_copies_the_runs_the_child_holds_in_the_kernel_and_the_parent_matches_the_raw_disk_for_qemu_img()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        byte[] data = DiskBytes.Pattern(Capacity, 7);
        (string parent, string child) = Chain(data, holes: true);
        string raw = _folder.File("disk.raw");
        File.WriteAllBytes(raw, Expected(data, holes: true));

        long kernelBytes;
        long buffered = 0;
        using (var layers = MergeLayers.Open([child], path => VhdImage.Open(path)))
        using (VhdImage target = VhdImage.Open(parent, new VhdOpenOptions { Writable = true }))
        using (var copier = new MergeCopier(layers.Layers, target, CopyEngine.ChunkSize))
        {
            // The merge's loop: the engine over the runs the child holds, the copier asked first for each chunk.
            IDiskLayer[] walk = layers.Layers;
            CopyEngine.Copy(LayerWalk.Decided(walk, Capacity), (chunk, offset) => LayerWalk.Read(walk, chunk, offset), (chunk, offset) =>
            {
                buffered += chunk.Length;
                target.WriteSectors(chunk, offset);
            }, null, CancellationToken.None, copy: copier.Copy);
            target.Flush();
            kernelBytes = copier.KernelBytes;
        }

        // Every sector the child holds (all but the holes) went through copy_file_range; none through the buffer.
        Assert.Equal(HeldBytes(holes: true), kernelBytes);
        Assert.Equal(0, buffered);
        PeerTools.RunOk(qemuImg, "compare", "-q", "-f", "vpc", "-F", "raw", parent, raw);
    }

    [Fact]
    public void The_merge_operation_leaves_a_parent_qemu_img_reads_as_the_childs_disk()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        byte[] data = DiskBytes.Pattern(Capacity, 8);
        (string parent, string child) = Chain(data, holes: false);
        string raw = _folder.File("disk.raw");
        File.WriteAllBytes(raw, data);

        MergeOperation.Run(new MergeRequest(child));

        PeerTools.RunOk(qemuImg, "compare", "-q", "-f", "vpc", "-F", "raw", parent, raw);
        Assert.True(CheckOperation.Run(new CheckRequest(parent)).IsClean);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    public void Merge_flushes_in_growing_batches_and_every_sampled_crash_state_is_valid(int seed)
    {
        byte[] data = DiskBytes.Pattern(Capacity, seed);
        (string parentPath, string childPath) = Chain(data, holes: false);
        var storage = new CrashSimulatingStorage(File.ReadAllBytes(parentPath), "target");
        using (VhdImage leaf = VhdImage.Open(new MemoryStorage(File.ReadAllBytes(childPath), "leaf", canWrite: false)))
        using (VhdImage target = VhdImage.Open(storage))
        {
            // Batches of 1, 2, 4 and 8 blocks (then the end) rather than one per block: 16 blocks in 4 batches.
            MergeOperation.Merge([leaf], target, BlockSize);

            // The caller's image keeps its own reservation for its later writes.
            Assert.Equal(VhdImage.DefaultReservationBytes, target.ReservationBytes);
        }

        // Each batch: its reservation, then the flush's two fsyncs; fixed batches of one block made 16 x 3.
        Assert.True(storage.Flushes <= (4 * 3) + 3, $"{storage.Flushes} fsyncs");
        Assert.Equal(data, DiskBytes.OfImage(storage.Durable(storage.Flushes)));

        int tried = 0;
        var empty = new byte[Capacity];
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, 80))
        {
            CheckResult report = CheckOperation.Check(new MemoryStorage(state.Image, "crashed", canWrite: false));
            Assert.True(report.Faults.All(f => f.Code == FaultCode.OrphanTail), $"crash state {tried} (epoch {state.Epoch}): {CrashedImage.Describe(report)}");

            // The parent was empty: each sector is still empty or already merged.
            byte[] content = DiskBytes.OfImage(state.Image);
            for (int at = 0; at < Capacity; at += SectorSize)
            {
                Assert.True(content.AsSpan(at, SectorSize).SequenceEqual(empty.AsSpan(at, SectorSize))
                    || content.AsSpan(at, SectorSize).SequenceEqual(data.AsSpan(at, SectorSize)),
                    $"crash state {tried} (epoch {state.Epoch}): sector {at / SectorSize} is neither empty nor merged");
            }

            tried++;
        }

        Assert.True(tried > 40, $"only {tried} crash states");
    }

    /// <summary>An empty dynamic parent and a child holding <paramref name="data"/> (every third 64 KiB left out with <paramref name="holes"/>).</summary>
    private (string Parent, string Child) Chain(byte[] data, bool holes)
    {
        string parent = _folder.File($"parent{Guid.NewGuid():N}.vhd");
        string child = _folder.File($"child{Guid.NewGuid():N}.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, Capacity, BlockSize));
        CreateOperation.Run(CreateRequest.Differencing(child, parent));
        using VhdImage image = VhdImage.Open(child, new VhdOpenOptions { Writable = true });
        for (int at = 0, piece = 0; at < Capacity; at += Piece, piece++)
        {
            if (!holes || piece % 3 != 2)
            {
                image.WriteSectors(data.AsSpan(at, Piece), at);
            }
        }

        image.Flush();
        return (parent, child);
    }

    private const int Piece = 64 * 1024;

    private static byte[] Expected(byte[] data, bool holes)
    {
        byte[] expected = (byte[])data.Clone();
        for (int at = 0, piece = 0; holes && at < Capacity; at += Piece, piece++)
        {
            if (piece % 3 == 2)
            {
                Array.Clear(expected, at, Piece);
            }
        }

        return expected;
    }

    private static long HeldBytes(bool holes) => holes ? (long)(Capacity / Piece - (Capacity / Piece / 3)) * Piece : Capacity;
}
