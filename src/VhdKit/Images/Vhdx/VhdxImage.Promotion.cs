using VhdKit.Format.Vhdx;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// A PARTIALLY_PRESENT block whose every sector (inside the disk) this file now holds becomes FULLY_PRESENT, as
/// Hyper-V leaves such a block: its reads then need no sector bitmap, and later writes go in place without bits to
/// set. The state change is one more dirty BAT sector, so it goes through the same logged flush as the bits that
/// completed the block (<see cref="Flush"/>): a crash leaves the block PARTIALLY_PRESENT with its bits (old or new)
/// or FULLY_PRESENT with every sector's data durable before the entry that says so, and both read the same. The
/// bitmap bits stay set (readers consult them only for a PARTIALLY_PRESENT block).
/// </summary>
public sealed partial class VhdxImage
{
    private void PromoteIfWhollyWritten(long block)
    {
        long index = Geometry.PayloadEntryIndex(block);
        var entry = new VhdxBatEntry(_bat[index]);
        if (entry.State != VhdxBlockState.PartiallyPresent)
        {
            return;
        }

        long bitmapOffset = (long)new VhdxBatEntry(_bat[Geometry.BitmapEntryIndexFor(block)]).FileOffset + Geometry.BitmapByteOffsetFor(block, Metadata.LogicalSectorSize);
        int sectors = (int)(Math.Min(BlockSize, Capacity - (block * BlockSize)) / LogicalSectorSize);
        if (!VhdxSectorBitmap.AllSet(_bitmaps!.Get((int)block, bitmapOffset), sectors))
        {
            return;
        }

        // A flush here leaves a consistent entry (the bits set, the block still partial); the state goes in the next.
        MakeRoomInLogEntry(1);
        SetEntry(index, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, entry.FileOffset));
    }
}
