using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during <c>vhd resize</c> of a dynamic disk (grow inside the table's sectors, grow that moves
/// the table, shrink): every crash state opens, checks clean or repairable, and after repair holds the old or the
/// new size with the content unchanged.
/// </summary>
public class ResizePowerLossTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;
    private const int BlockSize = 512 * 1024;
    private const int StatesPerEpoch = 60;

    [Theory]
    [InlineData(8 * MiB, 12 * MiB, 6 * MiB, 41, false)] // grow: the new entries fit in the table's sector
    [InlineData(8 * MiB, 200 * MiB, 6 * MiB, 42, false)] // grow: the table moves past the end
    [InlineData(12 * MiB, 8 * MiB, 6 * MiB, 43, false)] // shrink
    [InlineData(8 * MiB, 12 * MiB, 6 * MiB, 46, true)] // grow an image whose end footer is lost (it ends with its last block)
    [InlineData(8 * MiB, 200 * MiB, 6 * MiB, 47, true)]
    [InlineData(12 * MiB, 8 * MiB, 6 * MiB, 48, true)]
    public void A_resize_survives_every_sampled_crash(long from, long to, long dataEnd, int seed, bool endFooterLost)
    {
        (byte[] file, byte[] model) = Build(from, dataEnd, seed);
        if (endFooterLost)
        {
            file = file[..^512];
        }

        var storage = new CrashSimulatingStorage(file, "resized");
        using (VhdImage image = VhdImage.Open(storage))
        {
            ResizeOperation.Resize(image, to);
        }

        byte[] final = storage.Durable(storage.Flushes);
        CheckResult report = CheckOperation.Check(new MemoryStorage(final, "final"));
        Assert.True(report.IsClean, $"the final state: {CrashedImage.Describe(report)}");
        AssertHolds(final, model, [to], "the final state");
        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, StatesPerEpoch))
        {
            AssertHolds(state.Image, model, [from, to], $"crash state {tried} (epoch {state.Epoch})");
            tried++;
        }

        output.WriteLine($"{from} -> {to}: {storage.Flushes} flushes, {tried} crash states tried");
        Assert.True(tried > 5, $"only {tried} crash states");
    }

    [Fact]
    public void A_fixed_disk_grow_survives_every_crash()
    {
        const long From = 4 * MiB;
        const long To = 6 * MiB;
        var built = new MemoryStorage("fixed");
        CreateOperation.Create(built, CreateRequest.Fixed(built.Name, From));
        var model = new byte[From];
        new Random(45).NextBytes(model);
        built.Write(model, 0);
        var storage = new CrashSimulatingStorage(built.ToArray(), "fixed");
        using (VhdImage image = VhdImage.Open(storage))
        {
            ResizeOperation.Resize(image, To);
        }

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(45, StatesPerEpoch))
        {
            // A fixed disk has no copy to repair from: every state must open as it is.
            using VhdImage crashed = VhdImage.Open(new MemoryStorage(state.Image, "crashed", canWrite: false));
            Assert.True(crashed.Capacity is From or To, $"crash state {tried}: {crashed.Capacity} bytes");
            Assert.True(state.Image.AsSpan(0, (int)From).SequenceEqual(model), $"crash state {tried}: the content changed");
            if (crashed.Capacity == To)
            {
                // The new space reads as zeros, except (documented) the old footer's sector until it is zeroed.
                Span<byte> added = state.Image.AsSpan((int)From, (int)(To - From));
                bool oldFooterLeft = added[..512].SequenceEqual(built.ToArray().AsSpan((int)From, 512));
                Assert.True(added[(oldFooterLeft ? 512 : 0)..].IndexOfAnyExcept((byte)0) < 0, $"crash state {tried}: the new space is not zeros");
            }

            tried++;
        }

        output.WriteLine($"fixed {From} -> {To}: {storage.Flushes} flushes, {tried} crash states tried");
        Assert.True(tried >= 3, $"only {tried} crash states");
        byte[] final = storage.Durable(storage.Flushes);
        Assert.True(final.AsSpan((int)From, (int)(To - From)).IndexOfAnyExcept((byte)0) < 0, "the completed resize left bytes in the new space");
    }

    [Fact]
    public void A_resize_that_moves_the_table_and_stops_at_any_write_keeps_the_end_footer()
    {
        (byte[] file, byte[] model) = Build(8 * MiB, 6 * MiB, 44);
        for (int limit = 1; ; limit++)
        {
            var memory = new MemoryStorage(file, "stopped");
            bool completed = false;
            try
            {
                using VhdImage image = VhdImage.Open(new StopAfterWritesStorage(memory, limit));
                ResizeOperation.Resize(image, 200 * MiB);
                completed = true;
            }
            catch (IOException)
            {
                // Stopped (a kill, ENOSPC): what it left is checked below.
            }

            byte[] left = memory.ToArray();
            CheckResult report = CheckOperation.Check(new MemoryStorage(left, "stopped"));
            Assert.False(report.Has(FaultCode.EndFooterMissing), $"stopped at write {limit}: {CrashedImage.Describe(report)}");
            AssertHolds(left, model, [8 * MiB, 200 * MiB], $"stopped at write {limit}");
            if (completed)
            {
                output.WriteLine($"completed at write limit {limit}: {limit} states checked");
                break;
            }
        }
    }

    /// <summary>A dynamic image of <paramref name="capacity"/> bytes with random data below <paramref name="dataEnd"/>, and its content.</summary>
    internal static (byte[] File, byte[] Model) Build(long capacity, long dataEnd, int seed)
    {
        var random = new Random(seed);
        var storage = new MemoryStorage("built");
        CreateOperation.Create(storage, CreateRequest.Dynamic(storage.Name, capacity, BlockSize));
        var model = new byte[capacity];
        using (VhdImage image = VhdImage.Open(storage))
        {
            for (int i = 0; i < 6; i++)
            {
                int sectors = random.Next(1, 600);
                long offset = random.NextInt64(0, (dataEnd / 512) - sectors) * 512;
                var data = new byte[sectors * 512];
                random.NextBytes(data);
                image.WriteSectors(data, offset);
                data.CopyTo(model, offset);
            }

            image.Flush();
        }

        return (storage.ToArray(), model);
    }

    internal static void AssertHolds(byte[] file, byte[] model, long[] sizes, string what)
    {
        MemoryStorage storage = CrashedImage.OpenOrRepair(file, what);
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(storage)]);
        Assert.True(sizes.Contains(disk.Capacity), $"{what}: the size is {disk.Capacity}, expected one of {string.Join(", ", sizes)}");
        var content = new byte[disk.Capacity];
        disk.Read(content, 0);
        int common = (int)Math.Min(model.Length, content.Length);
        Assert.True(content.AsSpan(0, common).SequenceEqual(model.AsSpan(0, common)), $"{what}: the content changed");
        Assert.True(content.AsSpan(common).IndexOfAnyExcept((byte)0) < 0, $"{what}: the new space is not zeros");
        CrashedImage.AssertWritable(storage, what);
    }
}
