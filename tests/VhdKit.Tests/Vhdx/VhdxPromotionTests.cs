using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// A PARTIALLY_PRESENT block of a differencing VHDX whose sectors all become written turns FULLY_PRESENT (the last
/// block of a size that is not a multiple of the block size counts only its sectors inside the disk), and the spec
/// reader and pyvhdi read the chain as we do. qemu-img 7.2 does not open differencing VHDX, so it is not asked.
/// </summary>
public class VhdxPromotionTests : IDisposable
{
    private const int MiB = 1 << 20;
    private const long Capacity = (3 * MiB) + (MiB / 2);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(512)]
    [InlineData(4096)]
    public void A_partially_present_block_whose_sectors_are_all_written_becomes_fully_present_and_peers_agree(int sectorSize)
    {
        string parent = _folder.File($"base{sectorSize}.vhdx");
        string child = _folder.File($"child{sectorSize}.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, Capacity, MiB, logical: sectorSize);
        byte[] model = VhdxTestFiles.Pattern((int)Capacity, sectorSize);
        using (VirtualDisk disk = VirtualDisk.Open(parent))
        {
            disk.Write(model, 0);
        }

        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: parent, blockSize: MiB);
        using (VhdxImage image = VhdxImage.OpenWritable(child))
        {
            Write(image, model, 4096, sectorSize, seed: 1);                               // block 0: one piece, stays partial
            Write(image, model, MiB, MiB / 2, seed: 2);                                  // block 1: two halves, a flush between
            image.Flush();
            Write(image, model, MiB + (MiB / 2), MiB / 2, seed: 3);
            Write(image, model, (2 * MiB) + sectorSize, MiB - sectorSize, seed: 4);      // block 2: all but its first sector, then it
            Write(image, model, 2 * MiB, sectorSize, seed: 5);
            Write(image, model, 3 * MiB, MiB / 4, seed: 6);                              // block 3: the last, 512 KiB inside the disk
            Write(image, model, (3 * MiB) + (MiB / 4), MiB / 4, seed: 7);
        }

        using (VhdxImage image = VhdxImage.Open(child))
        {
            Assert.Equal(VhdxBlockState.PartiallyPresent, image.PayloadEntry(0).State);
            Assert.Equal(VhdxBlockState.FullyPresent, image.PayloadEntry(1).State);
            Assert.Equal(VhdxBlockState.FullyPresent, image.PayloadEntry(2).State);
            Assert.Equal(VhdxBlockState.FullyPresent, image.PayloadEntry(3).State);
            Assert.Null(image.LogReplay);
        }

        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).IsClean);
        using (VirtualDisk disk = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }))
        {
            var content = new byte[Capacity];
            disk.Read(content, 0);
            ChainBuilder.AssertBytes(model, content);
        }

        ChainBuilder.AssertBytes(model, VhdxSpecReader.Content(child, child + ".spec", parent));
        ChainBuilder.AssertBytes(model, PyvhdiChain.Content(child + ".pyvhdi", child, parent));
    }

    private static void Write(VhdxImage image, byte[] model, long offset, int length, int seed)
    {
        byte[] data = VhdxTestFiles.Pattern(length, seed);
        image.WriteSectors(data, offset);
        data.CopyTo(model, offset);
    }
}
