namespace VhdKit.Format.Vhdx;

/// <summary>
/// The shape of a BAT: the chunk ratio (payload blocks per sector bitmap block, 2^23 x logical sector size / block
/// size), and where the entry of each payload block and each sector bitmap block lies (after every chunk-ratio
/// payload entries comes one sector bitmap entry).
/// </summary>
public readonly record struct VhdxBatGeometry
{
    /// <summary>The sectors one sector bitmap block (1 MiB of bits) describes: 2^23.</summary>
    public const long SectorsPerBitmapBlock = 1L << 23;

    /// <summary>The shape of the BAT of a disk with these parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is zero or the block size exceeds what a chunk covers.</exception>
    public VhdxBatGeometry(ulong virtualDiskSize, uint blockSize, uint logicalSectorSize, bool hasParent)
    {
        ArgumentOutOfRangeException.ThrowIfZero(virtualDiskSize);
        ArgumentOutOfRangeException.ThrowIfZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfZero(logicalSectorSize);
        long chunk = SectorsPerBitmapBlock * logicalSectorSize;
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)blockSize, chunk);
        BlockSize = blockSize;
        ChunkRatio = chunk / blockSize;
        DataBlockCount = (long)((virtualDiskSize + blockSize - 1) / blockSize);
        SectorBitmapBlockCount = (DataBlockCount + ChunkRatio - 1) / ChunkRatio;
        TotalEntries = hasParent
            ? SectorBitmapBlockCount * (ChunkRatio + 1)
            : DataBlockCount + ((DataBlockCount - 1) / ChunkRatio);
    }

    /// <summary>The payload block size.</summary>
    public uint BlockSize { get; }

    /// <summary>Payload blocks per chunk (per sector bitmap block).</summary>
    public long ChunkRatio { get; }

    /// <summary>Payload blocks in the virtual disk.</summary>
    public long DataBlockCount { get; }

    /// <summary>Sector bitmap blocks the virtual disk needs.</summary>
    public long SectorBitmapBlockCount { get; }

    /// <summary>The entries the BAT holds (MS-VHDX 2.5: dynamic/fixed vs differencing count).</summary>
    public long TotalEntries { get; }

    /// <summary>The BAT's size in bytes.</summary>
    public long ByteLength => TotalEntries * VhdxBatEntry.Size;

    /// <summary>The index of payload block <paramref name="block"/>'s entry.</summary>
    public long PayloadEntryIndex(long block) => block + (block / ChunkRatio);

    /// <summary>The index of the sector bitmap entry of the chunk holding payload block <paramref name="block"/>.</summary>
    public long BitmapEntryIndexFor(long block) => ((block / ChunkRatio) * (ChunkRatio + 1)) + ChunkRatio;

    /// <summary>The byte offset, in the sector bitmap block, of the bits of payload block <paramref name="block"/>.</summary>
    public long BitmapByteOffsetFor(long block, uint logicalSectorSize) => (block % ChunkRatio) * (BlockSize / logicalSectorSize) / 8;
}
