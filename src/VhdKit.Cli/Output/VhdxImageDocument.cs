using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary>Everything <c>vhd info</c> knows of one VHDX: qemu-img's keys first, then every header, region, metadata item, the log's state and the BAT's.</summary>
/// <param name="Depth">Its place in the chain: 0 for the image named, 1 for its parent, ...</param>
/// <param name="Filename">Its absolute path.</param>
/// <param name="Format">Always <c>vhdx</c>.</param>
/// <param name="Subformat">fixed (LeaveBlockAllocated), dynamic or differencing (HasParent).</param>
/// <param name="VirtualSize">The virtual disk size item.</param>
/// <param name="FileLength">The file's length in bytes.</param>
/// <param name="ClusterSize">The block size.</param>
/// <param name="LogicalSectorSize">The logical sector size item.</param>
/// <param name="PhysicalSectorSize">The physical sector size item.</param>
/// <param name="VirtualDiskId">The virtual disk id item.</param>
/// <param name="Creator">The file type identifier's creator.</param>
/// <param name="CurrentHeader">1 or 2: the valid header with the higher sequence number.</param>
/// <param name="Headers">Both headers as read.</param>
/// <param name="RegionTableCopy">1, or 2 when the first copy is invalid.</param>
/// <param name="Regions">The region table's entries.</param>
/// <param name="MetadataItems">The metadata table's entries.</param>
/// <param name="LeaveBlockAllocated">The file parameters' flag.</param>
/// <param name="HasParent">The file parameters' flag.</param>
/// <param name="ParentLocator">The parent locator's key/value pairs, in file order; <see langword="null"/> unless differencing.</param>
/// <param name="BackingFilename">The parent's relative_path (else absolute_win32_path); <see langword="null"/> unless differencing.</param>
/// <param name="FullBackingFilename">The parent found (<c>--chain</c>); <see langword="null"/> otherwise.</param>
/// <param name="Log">The log's state.</param>
/// <param name="Bat">The BAT's shape and the count of payload blocks in each state.</param>
internal sealed record VhdxImageDocument(
    int Depth,
    string Filename,
    FormatName Format,
    VhdDiskType Subformat,
    long VirtualSize,
    long FileLength,
    long ClusterSize,
    int LogicalSectorSize,
    uint PhysicalSectorSize,
    Guid VirtualDiskId,
    string Creator,
    int CurrentHeader,
    IReadOnlyList<VhdxHeaderDocument> Headers,
    int RegionTableCopy,
    IReadOnlyList<VhdxRegionDocument> Regions,
    IReadOnlyList<VhdxMetadataItemDocument> MetadataItems,
    bool LeaveBlockAllocated,
    bool HasParent,
    IReadOnlyList<VhdxLocatorEntryDocument>? ParentLocator,
    string? BackingFilename,
    string? FullBackingFilename,
    VhdxLogDocument Log,
    VhdxBatDocument Bat)
{
    public static VhdxImageDocument From(VhdxImage image, int depth, string? parentPath)
    {
        VhdxMetadata m = image.Metadata;
        List<VhdxLocatorEntryDocument>? locator = m.ParentLocator is { } l ? [.. l.Entries.Select(e => new VhdxLocatorEntryDocument(e.Key, e.Value))] : null;
        var states = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (long block = 0; block < image.Geometry.DataBlockCount; block++)
        {
            string state = KebabCase(image.PayloadEntry(block).State.ToString());
            states[state] = states.GetValueOrDefault(state) + 1;
        }

        return new VhdxImageDocument(
            depth,
            StorageLocations.Display(image.Path),
            FormatName.Vhdx,
            image.DiskType,
            image.Capacity,
            image.FileLength,
            image.BlockSize,
            image.LogicalSectorSize,
            m.PhysicalSectorSize,
            image.VirtualDiskId,
            image.FileIdentifier.Creator,
            image.CurrentHeader,
            [VhdxHeaderDocument.From(1, VhdxLayout.Header1Offset, image.Header1), VhdxHeaderDocument.From(2, VhdxLayout.Header2Offset, image.Header2)],
            image.RegionTableCopy,
            [.. image.RegionTable.Entries.Select(e => new VhdxRegionDocument(e.Id, VhdxGuids.NameOf(e.Id), (long)e.FileOffset, e.Length, e.IsRequired))],
            [.. m.Table.Entries.Select(e => new VhdxMetadataItemDocument(e.ItemId, e.IsUser ? null : VhdxGuids.NameOf(e.ItemId), e.Offset, e.Length, e.IsUser, e.IsVirtualDisk, e.IsRequired))],
            m.FileParameters.LeaveBlockAllocated,
            m.FileParameters.HasParent,
            locator,
            m.ParentLocator is { } pl ? pl[VhdxParentLocator.RelativePath] ?? pl[VhdxParentLocator.AbsoluteWin32Path] : null,
            parentPath is null ? null : StorageLocations.Display(parentPath),
            new VhdxLogDocument(image.Header.LogGuid, (long)image.Header.LogOffset, image.Header.LogLength, image.LogReplay is { Entries: > 0 },
                image.LogReplay?.Entries ?? 0, image.LogReplay?.Writes ?? 0, image.LogReplay is { Entries: > 0 } r ? r.FirstSequence : null,
                image.LogReplay is { Entries: > 0 } s ? s.LastSequence : null),
            new VhdxBatDocument(image.Geometry.TotalEntries, image.Geometry.ChunkRatio, image.Geometry.DataBlockCount, image.Geometry.SectorBitmapBlockCount, states));
    }

    private static string KebabCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

/// <summary>One VHDX header as read.</summary>
internal sealed record VhdxHeaderDocument(int Index, long Offset, bool Valid, ulong SequenceNumber, uint Checksum, uint ComputedChecksum,
    Guid FileWriteGuid, Guid DataWriteGuid, Guid LogGuid, int LogVersion, int Version, long LogOffset, long LogLength)
{
    public static VhdxHeaderDocument From(int index, long offset, VhdxHeader h) => new(index, offset, h.IsValid, h.SequenceNumber, h.Checksum, h.ComputedChecksum,
        h.FileWriteGuid, h.DataWriteGuid, h.LogGuid, h.LogVersion, h.Version, (long)h.LogOffset, h.LogLength);
}

/// <summary>One key/value pair of a parent locator (keys such as parent_linkage are data, not JSON keys).</summary>
internal sealed record VhdxLocatorEntryDocument(string Key, string Value);

/// <summary>One region table entry.</summary>
internal sealed record VhdxRegionDocument(Guid Guid, string? Name, long Offset, long Length, bool Required);

/// <summary>One metadata table entry.</summary>
internal sealed record VhdxMetadataItemDocument(Guid ItemId, string? Name, long Offset, long Length, bool IsUser, bool IsVirtualDisk, bool IsRequired);

/// <summary>The log: where it is, and whether entries were pending (replayed in memory, the file unchanged).</summary>
internal sealed record VhdxLogDocument(Guid LogGuid, long Offset, long Length, bool Pending, int ReplayedEntries, int ReplayedWrites, ulong? FirstSequence, ulong? LastSequence);

/// <summary>The BAT: its entries, chunk ratio, payload and sector bitmap block counts, payload blocks per state.</summary>
internal sealed record VhdxBatDocument(long Entries, long ChunkRatio, long PayloadBlocks, long SectorBitmapBlocks, IReadOnlyDictionary<string, long> PayloadStates);
