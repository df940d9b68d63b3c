using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// New blocks of a dynamic image are allocated in reservations, one fsync each (not one per block), and the rest of
/// a reservation is cut at the flush: the fsync count, and every sampled crash state across reservations and the cut.
/// </summary>
public class AllocationBatchTests
{
    private const int Capacity = 4 * 1024 * 1024;
    private const int BlockSize = 512 * 1024;
    private const int Blocks = Capacity / BlockSize;
    private const int SectorSize = 512;

    [Fact]
    public void Writing_every_block_of_an_empty_dynamic_image_fsyncs_once_for_the_allocations_not_once_per_block()
    {
        var storage = new CrashSimulatingStorage(EmptyDynamic(), "batched");
        using (VhdImage image = VhdImage.Open(storage))
        {
            image.WriteSectors(DiskBytes.Pattern(Capacity, 1), 0);
            image.Flush();
        }

        // One reservation (all eight blocks fit in the default 64 MiB), then the flush's two; one fsync per block was 8 + 2.
        Assert.Equal(3, storage.Flushes);
        Assert.Equal(DiskBytes.Pattern(Capacity, 1), DiskBytes.OfImage(storage.Durable(storage.Flushes)));
    }

    [Theory]
    [InlineData(2 * BlockSize, Blocks, 41)] // four reservations of two blocks, all used
    [InlineData(3 * BlockSize, Blocks, 42)] // the last reservation is cut to the two blocks left
    [InlineData(3 * BlockSize, 4, 43)] // half the blocks: the flush cuts the unused rest of the second reservation
    [InlineData(64 * BlockSize, 3, 44)] // one reservation of all eight blocks, three used
    public void Allocations_in_reservations_survive_every_sampled_crash(long reservationBytes, int blocksWritten, int seed)
    {
        byte[] empty = EmptyDynamic();
        var storage = new CrashSimulatingStorage(empty, "batched");
        byte[] model = new byte[Capacity];
        var writes = new List<(long Offset, byte[] Data)>();
        var random = new Random(seed);
        using (VhdImage image = VhdImage.Open(storage))
        {
            image.ReservationBytes = reservationBytes;
            for (int block = 0; block < blocksWritten; block++)
            {
                // Part of each block, in an order other than the file's, so blocks land in the file out of disk order.
                int at = (block * 5) % Blocks;
                var data = new byte[random.Next(1, BlockSize / SectorSize) * SectorSize];
                random.NextBytes(data);
                long offset = ((long)at * BlockSize) + ((long)random.Next(0, (BlockSize - data.Length) / SectorSize + 1) * SectorSize);
                image.WriteSectors(data, offset);
                data.CopyTo(model, offset);
                writes.Add((offset, data));
            }

            image.Flush();
        }

        byte[] final = storage.Durable(storage.Flushes);
        Assert.Equal(model, DiskBytes.OfImage(final));
        CheckResult finalCheck = CheckOperation.Check(new MemoryStorage(final, "final", canWrite: false));
        Assert.True(finalCheck.IsClean, string.Join("; ", finalCheck.Faults.Select(f => $"{f.Code}: {f.Message}")));
        int reservations = (int)Math.Ceiling(blocksWritten / (double)(reservationBytes / BlockSize));
        Assert.True(storage.Flushes <= reservations + 3, $"{storage.Flushes} flushes for {reservations} reservations");

        int tried = 0;
        byte[] emptyDisk = new byte[Capacity];
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, 60))
        {
            CheckResult report = CheckOperation.Check(new MemoryStorage(state.Image, "crashed", canWrite: false));
            Assert.True(report.Faults.All(f => f.Code == FaultCode.OrphanTail),
                $"crash state {tried} (epoch {state.Epoch}): {string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}"))}");

            // Nothing was acknowledged before the one flush at the end: each sector is empty or holds what was written.
            byte[] content = state.Epoch == storage.Flushes ? model : DiskBytes.OfImage(state.Image);
            for (int sector = 0; sector < Capacity / SectorSize; sector++)
            {
                long sectorAt = (long)sector * SectorSize;
                byte[] now = content.AsSpan((int)sectorAt, SectorSize).ToArray();
                bool known = now.AsSpan().SequenceEqual(emptyDisk.AsSpan((int)sectorAt, SectorSize))
                    || writes.Any(w => sectorAt >= w.Offset && sectorAt + SectorSize <= w.Offset + w.Data.Length
                        && now.SequenceEqual(w.Data.AsSpan((int)(sectorAt - w.Offset), SectorSize)));
                Assert.True(known, $"crash state {tried} (epoch {state.Epoch}): sector {sector} holds neither zeros nor what was written");
            }

            tried++;
        }

        Assert.True(tried > 40, $"only {tried} crash states");
    }

    private static byte[] EmptyDynamic()
    {
        var storage = new MemoryStorage("empty");
        CreateOperation.Create(storage, CreateRequest.Dynamic("empty", Capacity, BlockSize));
        return storage.ToArray();
    }
}
