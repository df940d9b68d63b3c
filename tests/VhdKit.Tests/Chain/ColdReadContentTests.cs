using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Chain;

/// <summary>
/// Reads on freshly opened disks (no bitmap cached, so every block is met for the first time in the middle of a
/// read), in several read sizes, compared with the reference model and with qemu-img: the paths that save reads
/// (bitmap and data in one call) must not change a byte where layers cover blocks partly, to the sector.
/// </summary>
public class ColdReadContentTests : IDisposable
{
    private const int BlockSize = 512 * 1024;
    private const long Capacity = (5L * 1024 * 1024) + (3 * 512); // not a whole number of blocks
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Whole blocks, blocks and a sector, odd sizes that cross block ends anywhere, single sectors.</summary>
    public static TheoryData<int> ReadSizes => [BlockSize, (2 * BlockSize) + 512, 700_001, 4096, 512];

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Cold_reads_of_a_chain_with_partial_bitmaps_match_the_model(int readSize)
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, seed: 71);
        chain.AddLayer(writes: 10, BlockSize, maxWrite: 300_000);
        chain.AddLayer(writes: 10, BlockSize, maxWrite: 300_000);
        chain.AddLayer(writes: 10, BlockSize, maxWrite: 300_000);
        AssertColdReads(chain.Model, chain.Layers, readSize);
    }

    [SkippableTheory]
    [MemberData(nameof(ReadSizes))]
    public void Cold_reads_of_a_sector_granular_dynamic_disk_match_qemu_img(int readSize)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        var chain = new ChainBuilder(_folder.Path, Capacity, seed: 72);
        chain.AddLayer(writes: 14, BlockSize, maxWrite: 200_000); // blocks whose first sectors are clear, partly set bitmap bytes
        string raw = _folder.File("q.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "vpc", "-O", "raw", chain.Leaf, raw);
        AssertColdReads(File.ReadAllBytes(raw), chain.Layers, readSize);
    }

    [SkippableTheory]
    [MemberData(nameof(ReadSizes))]
    public void Cold_reads_across_blocks_that_follow_in_the_file_match_qemu_img(int readSize)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string path = InBlockOrder(_folder.File("ordered.vhd"), new Random(73));
        string raw = _folder.File("q.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "vpc", "-O", "raw", path, raw);
        AssertColdReads(File.ReadAllBytes(raw), [path], readSize);
    }

    [Theory]
    [MemberData(nameof(ReadSizes))]
    public void Cold_reads_of_a_child_over_blocks_that_follow_in_the_file_match_the_model(int readSize)
    {
        var random = new Random(74);
        string basePath = InBlockOrder(_folder.File("ordered.vhd"), random);
        byte[] model = new byte[Capacity];
        using (VirtualDisk parent = VirtualDisk.Open(basePath, new VirtualDiskOptions { ReadOnly = true }))
        {
            parent.Read(model, 0);
        }

        string child = ImageFiles.Differencing(_folder.File("child.vhd"), basePath);
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            for (int i = 0; i < 12; i++)
            {
                var piece = new byte[random.Next(1, 3 * 512 * 7)];
                random.NextBytes(piece);
                long at = random.NextInt64(0, Capacity - piece.Length);
                disk.Write(piece, at);
                piece.CopyTo(model, at);
            }
        }

        AssertColdReads(model, [basePath, child], readSize);
    }

    /// <summary>
    /// A dynamic disk whose blocks were allocated in order (each follows the one before in the file), each partly
    /// written: a piece at a random sector-unaligned place, so some blocks start with clear sectors and bitmap bytes
    /// are partly set; every third block holds its last sector too (runs that end their block).
    /// </summary>
    private static string InBlockOrder(string path, Random random)
    {
        ImageFiles.Dynamic(path, Capacity, BlockSize);
        using VirtualDisk disk = VirtualDisk.Open(path);
        for (long block = 0; block * BlockSize < Capacity; block++)
        {
            long start = block * BlockSize;
            long size = Math.Min(BlockSize, Capacity - start);
            var piece = new byte[random.Next(1, (int)size / 2)];
            random.NextBytes(piece);
            disk.Write(piece, start + random.NextInt64(0, size - piece.Length));
            if (block % 3 == 0)
            {
                disk.Write(piece.AsSpan(0, Math.Min(piece.Length, 700)), start + size - Math.Min(piece.Length, 700));
            }
        }

        return path;
    }

    private static void AssertColdReads(byte[] expected, IReadOnlyList<string> layers, int readSize)
    {
        (VirtualDisk disk, _) = CountingStorage.OpenChain(layers);
        using (disk)
        {
            var actual = new byte[expected.Length];
            for (int offset = 0; offset < actual.Length; offset += readSize)
            {
                disk.Read(actual.AsSpan(offset, Math.Min(readSize, actual.Length - offset)), offset);
            }

            ChainBuilder.AssertBytes(expected, actual);
        }
    }
}
