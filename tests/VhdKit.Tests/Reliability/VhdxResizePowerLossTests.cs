using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during <c>vhd resize</c> of a VHDX (grow inside the BAT region, grow that moves the BAT, shrink;
/// fixed and dynamic): every crash state over the resize's flush spans (log replay, headers, zeroed tail, new blocks,
/// the new BAT, each region table copy, the log entry, the entries applied, LogGuid cleared, the cut) opens, checks
/// clean, and is the old size with the old content or the new size with the content kept; a second resize of it
/// to the new size completes, clean, with the content kept.
/// </summary>
public class VhdxResizePowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const long MiB = 1 << 20;
    private const int StatesPerEpoch = 25;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(VhdDiskType.Dynamic, 20 * MiB, (40 * MiB) + 4096, 51, 512)] // grow, the BAT's entries in place
    [InlineData(VhdDiskType.Dynamic, 64 * MiB, 130L << 30, 52, 512)] // grow past the BAT region: the BAT moves
    [InlineData(VhdDiskType.Dynamic, 24 * MiB, 10 * MiB, 53, 512)] // shrink
    [InlineData(VhdDiskType.Fixed, 10 * MiB, 18 * MiB, 54, 512)] // grow: new blocks
    [InlineData(VhdDiskType.Fixed, 16 * MiB, 7 * MiB, 55, 512)] // shrink: the file is cut
    [InlineData(VhdDiskType.Dynamic, 12 * MiB, (30 * MiB) + 4096, 56, 4096)]
    [InlineData(VhdDiskType.Fixed, 12 * MiB, (5 * MiB) + 4096, 57, 4096)]
    public void Every_crash_state_of_a_vhdx_resize_is_the_old_disk_or_the_new_one(VhdDiskType type, long from, long to, int seed, int logical)
    {
        string path = _folder.File($"{seed}.vhdx");
        VhdxTestFiles.Create(path, type, from, (int)MiB, logical);
        byte[] model = VhdxResizeTests.WriteData(path, from, Math.Min(from, to), seed);
        byte[] original = File.ReadAllBytes(path);

        var storage = new CrashSimulatingStorage(original, "resized.vhdx");
        VhdxResize.Run(storage, to);
        AssertDisk(storage.Durable(storage.Flushes), [to], model, from, "the completed resize");

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, StatesPerEpoch))
        {
            string what = $"crash state {tried} (epoch {state.Epoch})";
            AssertDisk(state.Image, [from, to], model, from, what);

            var again = new MemoryStorage(state.Image, "again.vhdx");
            VhdxResize.Run(again, to);
            AssertDisk(again.ToArray(), [to], model, from, what + " resized again");
            tried++;
        }

        output.WriteLine($"{type} {from} -> {to}: {storage.Flushes} flushes, {tried} crash states");
        Assert.True(tried >= 6, $"only {tried} crash states");
    }

    /// <summary>
    /// The image opens, checks clean, has one of <paramref name="sizes"/>, and holds <paramref name="model"/> (the
    /// old content) up to its size, zeros past the old size.
    /// </summary>
    private static void AssertDisk(byte[] bytes, long[] sizes, byte[] model, long oldSize, string what)
    {
        var storage = new MemoryStorage(bytes, "state.vhdx", canWrite: false);
        CheckResult check = CheckOperation.Check(storage);
        Assert.True(check.IsClean, $"{what}: {string.Join("; ", check.Faults.Select(f => f.Message))}");
        using VhdxImage image = VhdxImage.Open(storage);
        Assert.True(sizes.Contains(image.Capacity), $"{what}: the size is {image.Capacity}, expected one of {string.Join(", ", sizes)}");
        long kept = Math.Min(image.Capacity, oldSize);
        var content = new byte[kept];
        image.ReadOwn(content, 0);
        Assert.True(content.AsSpan().SequenceEqual(model.AsSpan(0, (int)kept)), $"{what}: the content differs first at byte {content.AsSpan().CommonPrefixLength(model)}");
        for (long block = oldSize / image.BlockSize; block < image.Geometry.DataBlockCount && image.Capacity > oldSize; block++)
        {
            VhdxBlockState state = image.PayloadEntry(block).State;
            if (state is VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent)
            {
                long start = Math.Max(oldSize, block * image.BlockSize);
                var added = new byte[Math.Min(image.Capacity, (block + 1) * image.BlockSize) - start];
                image.ReadOwn(added, start);
                Assert.True(added.AsSpan().IndexOfAnyExcept((byte)0) < 0, $"{what}: block {block} past the old size is not zeros");
            }
        }
    }
}
