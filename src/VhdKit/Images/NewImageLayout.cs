using System.Collections.Immutable;
using VhdKit.Format;

namespace VhdKit.Images;

/// <summary>
/// Where the structures of a new dynamic or differencing image go. VhdKit writes, in this order:
/// the footer copy at 0, the dynamic header at 512, the BAT at 1536, each locator's data in a space of its own
/// (a multiple of 512, at least 1024 bytes, recorded in bytes), then the footer. Blocks are appended later,
/// placed so that their data (after the bitmap) starts on a 4 KiB boundary.
/// </summary>
internal sealed class NewImageLayout
{
    public const long HeaderOffset = VhdFooter.Size;
    public const long TableOffset = HeaderOffset + DynamicHeader.Size;
    public const int MinimumLocatorSpace = 1024;

    public NewImageLayout(long capacity, int blockSize, IReadOnlyList<(ParentLocatorPlatform Platform, byte[] Data)> locatorData)
    {
        MaxTableEntries = checked((uint)((capacity + blockSize - 1) / blockSize));
        TableSize = BlockAllocationTable.SizeInBytes(MaxTableEntries);
        long offset = TableOffset + TableSize;
        var locators = ImmutableArray.CreateBuilder<ParentLocatorEntry>(locatorData.Count);
        foreach ((ParentLocatorPlatform platform, byte[] data) in locatorData)
        {
            long space = Math.Max(MinimumLocatorSpace, BlockAllocationTable.AlignUp(data.Length, VhdConstants.SectorSize));
            locators.Add(new ParentLocatorEntry
            {
                Platform = platform,
                PlatformDataSpace = checked((uint)space),
                PlatformDataLength = checked((uint)data.Length),
                PlatformDataOffset = (ulong)offset,
            });
            offset += space;
        }

        Locators = locators.MoveToImmutable();
        FooterOffset = offset;
    }

    public uint MaxTableEntries { get; }

    public long TableSize { get; }

    public ImmutableArray<ParentLocatorEntry> Locators { get; }

    /// <summary>Where the footer goes; the file is this plus 512 bytes long.</summary>
    public long FooterOffset { get; }

    /// <summary>The file offset where a block should start so that its data, after a bitmap of <paramref name="bitmapSize"/> bytes, is 4 KiB-aligned.</summary>
    public static long BlockStart(long endOfData, int bitmapSize) =>
        BlockAllocationTable.AlignUp(endOfData + bitmapSize, VhdConstants.DataAlignment) - bitmapSize;
}
