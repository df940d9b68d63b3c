using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>The one question a layer answers: for a range of the virtual disk, is it here, zeros, or the parent's?</summary>
public sealed partial class VhdxImage
{
    /// <summary>
    /// What this file says about the bytes at <paramref name="virtualOffset"/>, and for how long a run (at most
    /// <paramref name="maxLength"/>) the answer stays the same. FULLY_PRESENT blocks are held; PARTIALLY_PRESENT
    /// blocks hold the sectors whose bitmap bit is set and are transparent elsewhere; ZERO blocks read as zeros;
    /// NOT_PRESENT, UNDEFINED and UNMAPPED blocks are transparent in a differencing disk (the parent's content, as
    /// for a never-written block) and zeros in others.
    /// </summary>
    /// <param name="virtualOffset">Offset in the virtual disk.</param>
    /// <param name="maxLength">The most bytes the caller wants answered (greater than 0).</param>
    /// <param name="fileOffset">Where the run starts in the file, when held.</param>
    /// <param name="length">The length of the run (1 to <paramref name="maxLength"/>).</param>
    /// <returns>Held, zero, or transparent.</returns>
    /// <exception cref="IOException">A sector bitmap could not be read.</exception>
    public LayerRun Map(long virtualOffset, long maxLength, out long fileOffset, out long length)
    {
        fileOffset = 0;
        if (virtualOffset >= Capacity)
        {
            length = maxLength;
            return LayerRun.Transparent;
        }

        long block = virtualOffset / BlockSize;
        long inBlock = virtualOffset % BlockSize;
        length = Math.Min(Math.Min(maxLength, Capacity - virtualOffset), BlockSize - inBlock);
        var entry = new VhdxBatEntry(_bat[Geometry.PayloadEntryIndex(block)]);
        switch (entry.State)
        {
            case VhdxBlockState.FullyPresent:
                fileOffset = (long)entry.FileOffset + inBlock;
                return LayerRun.Held;
            case VhdxBlockState.Zero:
                return LayerRun.Zero;
            case VhdxBlockState.PartiallyPresent:
                break;
            default:
                return Metadata.FileParameters.HasParent ? LayerRun.Transparent : LayerRun.Zero;
        }

        var bitmapEntry = new VhdxBatEntry(_bat[Geometry.BitmapEntryIndexFor(block)]);
        byte[] bitmap = _bitmaps!.Get((int)block, (long)bitmapEntry.FileOffset + Geometry.BitmapByteOffsetFor(block, Metadata.LogicalSectorSize));
        int sectorSize = LogicalSectorSize;
        int sector = (int)(inBlock / sectorSize);
        int wanted = (int)((inBlock + length + sectorSize - 1) / sectorSize) - sector;
        int run = VhdxSectorBitmap.CountRun(bitmap, sector, wanted);
        length = Math.Min(length, ((long)(sector + run) * sectorSize) - inBlock);
        fileOffset = (long)entry.FileOffset + inBlock;
        return VhdxSectorBitmap.IsSet(bitmap, sector) ? LayerRun.Held : LayerRun.Transparent;
    }

    /// <summary>
    /// Reads <paramref name="buffer"/>.Length bytes of this one file's view of the virtual disk from
    /// <paramref name="virtualOffset"/>: held runs from the file, everything else as zeros (no parent is consulted).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie inside the virtual disk.</exception>
    /// <exception cref="Format.VhdFormatException">The file ends inside a held run.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    internal void ReadOwn(Span<byte> buffer, long virtualOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(virtualOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(virtualOffset + buffer.Length, Capacity);
        while (!buffer.IsEmpty)
        {
            LayerRun run = Map(virtualOffset, buffer.Length, out long fileOffset, out long length);
            Span<byte> part = buffer[..(int)length];
            if (run == LayerRun.Held)
            {
                Storage.ReadExactly(part, fileOffset, "VHDX block data");
            }
            else
            {
                part.Clear();
            }

            buffer = buffer[(int)length..];
            virtualOffset += length;
        }
    }
}
