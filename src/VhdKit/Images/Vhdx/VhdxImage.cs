using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// One VHDX file (one layer of a chain), opened read-only and validated: its headers, region table, metadata and
/// BAT. An image whose header names a log (LogGuid set) is read through the log replayed in memory (nothing is
/// written to the file); <see cref="LogReplay"/> says so. Opening reads only the metadata, in bounded time and memory.
/// </summary>
public sealed partial class VhdxImage : IDisposable
{
    /// <summary>The largest BAT VhdKit reads: 16,777,216 entries (128 MiB), e.g. 64 TiB in 4 MiB blocks.</summary>
    public const int MaxBatEntries = 1 << 24;

    private readonly IPositionalStorage _file;
    private readonly bool _ownsFile;
    private readonly ulong[] _bat;
    private readonly BitmapCache? _bitmaps;

    private VhdxImage(IPositionalStorage file, bool ownsFile, IPositionalStorage view, Opened opened)
    {
        _file = file;
        _ownsFile = ownsFile;
        Storage = view;
        FileIdentifier = opened.Identifier;
        Header1 = opened.Header1;
        Header2 = opened.Header2;
        CurrentHeader = opened.Current;
        RegionTable = opened.Regions;
        RegionTableCopy = opened.RegionCopy;
        Metadata = opened.Metadata;
        Geometry = opened.Geometry;
        _bat = opened.Bat;
        LogReplay = opened.Replay;
        Warnings = opened.Warnings;
        if (Metadata.FileParameters.HasParent)
        {
            _bitmaps = new BitmapCache(view, (int)(Metadata.FileParameters.BlockSize / Metadata.LogicalSectorSize / 8));
        }
    }

    /// <summary>The storage the image is read from: the file, or the file with its log replayed over it.</summary>
    internal IPositionalStorage Storage { get; }

    /// <summary>The file's path (or the storage's name).</summary>
    public string Path => _file.Name;

    /// <summary>The file's length in bytes.</summary>
    /// <exception cref="IOException">The length cannot be read.</exception>
    public long FileLength => _file.Length;

    /// <summary>The file type identifier (creator).</summary>
    public VhdxFileIdentifier FileIdentifier { get; }

    /// <summary>The header at 64 KiB, as read (valid or not).</summary>
    public VhdxHeader Header1 { get; }

    /// <summary>The header at 128 KiB, as read (valid or not).</summary>
    public VhdxHeader Header2 { get; }

    /// <summary>Which header is current: 1 or 2 (the valid one with the higher sequence number).</summary>
    public int CurrentHeader { get; }

    /// <summary>The current header.</summary>
    public VhdxHeader Header => CurrentHeader == 1 ? Header1 : Header2;

    /// <summary>The region table in effect.</summary>
    public VhdxRegionTable RegionTable { get; }

    /// <summary>Which region table copy is in effect: 1 (at 192 KiB) or 2 (at 256 KiB, when the first is invalid).</summary>
    public int RegionTableCopy { get; }

    /// <summary>The metadata items.</summary>
    public VhdxMetadata Metadata { get; }

    /// <summary>The BAT's shape.</summary>
    public VhdxBatGeometry Geometry { get; }

    /// <summary>What replaying the log in memory found (no entries when the log held no complete sequence), or null when the header names no log (LogGuid zero).</summary>
    public VhdxLogReplaySummary? LogReplay { get; }

    /// <summary>Things tolerated while opening (an invalid header or region table copy, a log replayed in memory).</summary>
    public ImmutableArray<string> Warnings { get; }

    /// <summary>Fixed (LeaveBlockAllocated, no parent), dynamic, or differencing (HasParent).</summary>
    public VhdDiskType DiskType => Metadata.FileParameters.HasParent ? VhdDiskType.Differencing
        : Metadata.FileParameters.LeaveBlockAllocated ? VhdDiskType.Fixed : VhdDiskType.Dynamic;

    /// <summary>The virtual disk's size in bytes.</summary>
    public long Capacity => (long)Metadata.VirtualDiskSize;

    /// <summary>The payload block size in bytes.</summary>
    public int BlockSize => (int)Metadata.FileParameters.BlockSize;

    /// <summary>The logical sector size: 512 or 4096.</summary>
    public int LogicalSectorSize => (int)Metadata.LogicalSectorSize;

    /// <summary>The virtual disk id.</summary>
    public Guid VirtualDiskId => Metadata.VirtualDiskId;

    /// <summary>The DataWriteGuid of the current header (a child's parent_linkage names it).</summary>
    public Guid DataWriteGuid => Header.DataWriteGuid;

    /// <summary>The BAT entry of payload block <paramref name="block"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="block"/> is not a block of the disk.</exception>
    public VhdxBatEntry PayloadEntry(long block)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, Geometry.DataBlockCount);
        return new VhdxBatEntry(_bat[Geometry.PayloadEntryIndex(block)]);
    }

    /// <summary>Opens the VHDX at <paramref name="path"/> read-only (other readers and writers are not blocked).</summary>
    /// <exception cref="VhdxFormatException">The file is not a valid VHDX, or holds something VhdKit must refuse.</exception>
    /// <exception cref="VhdFormatException">The file ends before a structure does.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static VhdxImage Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStorage storage = FileStorage.Open(path, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            return Open(storage, leaveOpen: false);
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    /// <summary>Opens the VHDX held by <paramref name="storage"/> read-only.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="leaveOpen">Whether disposing the image leaves <paramref name="storage"/> open.</param>
    /// <exception cref="VhdxFormatException">The storage does not hold a valid VHDX, or holds something VhdKit must refuse.</exception>
    /// <exception cref="VhdFormatException">The storage ends before a structure does.</exception>
    /// <exception cref="IOException">The storage cannot be read.</exception>
    public static VhdxImage Open(IPositionalStorage storage, bool leaveOpen = true)
    {
        ArgumentNullException.ThrowIfNull(storage);
        Opened opened = Read(storage, out IPositionalStorage view);
        return new VhdxImage(storage, !leaveOpen, view, opened);
    }

    private sealed record Opened(
        VhdxFileIdentifier Identifier, VhdxHeader Header1, VhdxHeader Header2, int Current, VhdxRegionTable Regions, int RegionCopy,
        VhdxMetadata Metadata, VhdxBatGeometry Geometry, ulong[] Bat, VhdxLogReplaySummary? Replay, ImmutableArray<string> Warnings);

    private static Opened Read(IPositionalStorage file, out IPositionalStorage view)
    {
        var warnings = ImmutableArray.CreateBuilder<string>();
        byte[] buffer = new byte[VhdxLayout.KiB64];
        file.ReadExactly(buffer.AsSpan(0, VhdxFileIdentifier.Size), VhdxLayout.FileIdentifierOffset, "VHDX file type identifier");
        var identifier = VhdxFileIdentifier.Parse(buffer);

        file.ReadExactly(buffer.AsSpan(0, VhdxHeader.Size), VhdxLayout.Header1Offset, "VHDX header 1");
        var header1 = VhdxHeader.Parse(buffer);
        file.ReadExactly(buffer.AsSpan(0, VhdxHeader.Size), VhdxLayout.Header2Offset, "VHDX header 2");
        var header2 = VhdxHeader.Parse(buffer);
        int current = VhdxHeader.Choose(header1, header2);
        VhdxHeader header = current == 1 ? header1 : header2;
        header.Validate(current == 1 ? VhdxLayout.Header1Offset : VhdxLayout.Header2Offset, file.Length);
        if (!(current == 1 ? header2 : header1).IsValid)
        {
            warnings.Add($"VHDX header {3 - current} is not valid (signature or CRC-32C); header {current} is used.");
        }

        view = file;
        VhdxLogReplaySummary? summary = null;
        if (header.LogGuid != Guid.Empty)
        {
            VhdxLogReplay.Result replay = VhdxLogReplay.Run(file, header);
            summary = new VhdxLogReplaySummary(replay.EntryCount, replay.Writes.Count, replay.FirstSequence, replay.LastSequence);
            if (replay.EntryCount == 0)
            {
                warnings.Add($"The VHDX header names a log (LogGuid {header.LogGuid}) but it holds no complete sequence of valid entries: nothing was replayed.");
            }
            else
            {
                view = new ReplayedStorage(file, replay.Writes, replay.LastFileOffset);
                warnings.Add(string.Create(CultureInfo.InvariantCulture,
                    $"The VHDX log holds {replay.EntryCount} entr{(replay.EntryCount == 1 ? "y" : "ies")} (sequence {replay.FirstSequence} to {replay.LastSequence}) not yet applied; they were replayed in memory, the file is unchanged."));
            }
        }

        (VhdxRegionTable regions, int copy) = ReadRegions(view, buffer, warnings);
        VhdxRegionEntry metadataRegion = regions.Find(VhdxGuids.MetadataRegion)!.Value;
        view.ReadExactly(buffer, (long)metadataRegion.FileOffset, "VHDX metadata table");
        var table = VhdxMetadataTable.Parse(buffer, (long)metadataRegion.FileOffset, metadataRegion.Length);
        IPositionalStorage source = view;
        VhdxMetadata metadata = VhdxMetadata.Parse(table, (long)metadataRegion.FileOffset,
            (offset, destination) => source.ReadExactly(destination, offset, "VHDX metadata item"));
        var geometry = new VhdxBatGeometry(metadata.VirtualDiskSize, metadata.FileParameters.BlockSize, metadata.LogicalSectorSize, metadata.FileParameters.HasParent);
        ulong[] bat = ReadBat(view, regions.Find(VhdxGuids.BatRegion)!.Value, geometry, metadata);
        return new Opened(identifier, header1, header2, current, regions, copy, metadata, geometry, bat, summary, warnings.ToImmutable());
    }

    private static (VhdxRegionTable Table, int Copy) ReadRegions(IPositionalStorage view, byte[] buffer, ImmutableArray<string>.Builder warnings)
    {
        view.ReadExactly(buffer, VhdxLayout.RegionTable1Offset, "VHDX region table 1");
        var first = VhdxRegionTable.Parse(buffer);
        if (first.IsValid)
        {
            first.Validate(VhdxLayout.RegionTable1Offset, view.Length);
            return (first, 1);
        }

        view.ReadExactly(buffer, VhdxLayout.RegionTable2Offset, "VHDX region table 2");
        var second = VhdxRegionTable.Parse(buffer);
        if (!second.IsValid)
        {
            throw new VhdxFormatException(
                $"Neither VHDX region table is valid: the one at offset 0x{VhdxLayout.RegionTable1Offset:X} {Describe(first)}, the one at 0x{VhdxLayout.RegionTable2Offset:X} {Describe(second)}; expected the signature 'regi', a matching CRC-32C and at most 2047 entries in at least one.");
        }

        second.Validate(VhdxLayout.RegionTable2Offset, view.Length);
        warnings.Add($"VHDX region table 1 is not valid ({Describe(first)}); the copy at offset 0x{VhdxLayout.RegionTable2Offset:X} is used.");
        return (second, 2);
    }

    private static string Describe(in VhdxRegionTable table) =>
        !table.HasValidSignature ? "has no 'regi' signature"
        : table.Checksum != table.ComputedChecksum ? $"has CRC-32C {FormatErrors.Hex(table.Checksum)} stored but {FormatErrors.Hex(table.ComputedChecksum)} computed"
        : string.Create(CultureInfo.InvariantCulture, $"claims {table.EntryCount} entries");

    private static ulong[] ReadBat(IPositionalStorage view, VhdxRegionEntry region, VhdxBatGeometry geometry, VhdxMetadata metadata)
    {
        const string Structure = "VHDX BAT";
        if (geometry.TotalEntries > MaxBatEntries)
        {
            throw new VhdxFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{Structure} at offset 0x{region.FileOffset:X}: expected at most {MaxBatEntries} entries, was {geometry.TotalEntries} ({metadata.VirtualDiskSize} bytes in {metadata.FileParameters.BlockSize}-byte blocks); VhdKit reads BATs up to {MaxBatEntries * 8L} bytes."));
        }

        if (geometry.ByteLength > region.Length)
        {
            throw FormatErrors.VhdxField("VHDX region table", "BAT Length", VhdxLayout.RegionTable1Offset,
                $"at least {geometry.ByteLength} bytes ({geometry.TotalEntries} entries)", region.Length.ToString(CultureInfo.InvariantCulture));
        }

        byte[] bytes = new byte[geometry.ByteLength];
        view.ReadExactly(bytes, (long)region.FileOffset, Structure);
        var bat = new ulong[geometry.TotalEntries];
        for (int i = 0; i < bat.Length; i++)
        {
            bat[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * VhdxBatEntry.Size));
        }

        bool hasParent = metadata.FileParameters.HasParent;
        for (long block = 0; block < geometry.DataBlockCount; block++)
        {
            long index = geometry.PayloadEntryIndex(block);
            var entry = new VhdxBatEntry(bat[index]);
            long at = (long)region.FileOffset + (index * VhdxBatEntry.Size);
            bool allowed = entry.HasKnownState && (entry.State != VhdxBlockState.PartiallyPresent || hasParent);
            if (!allowed)
            {
                throw FormatErrors.VhdxField(Structure, string.Create(CultureInfo.InvariantCulture, $"entry {index} (block {block})"), at,
                    hasParent ? "a payload state 0-3, 6 or 7" : "a payload state 0-3 or 6 (7 only in a differencing disk)", ((int)entry.State).ToString(CultureInfo.InvariantCulture));
            }

            if (entry.State is VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent)
            {
                RequirePlaced(entry, at, index, metadata.FileParameters.BlockSize);
            }

            if (entry.State == VhdxBlockState.PartiallyPresent)
            {
                long bitmapIndex = geometry.BitmapEntryIndexFor(block);
                if (new VhdxBatEntry(bat[bitmapIndex]).State != VhdxBlockState.FullyPresent)
                {
                    throw FormatErrors.VhdxField(Structure, string.Create(CultureInfo.InvariantCulture, $"entry {bitmapIndex} (sector bitmap of block {block})"),
                        (long)region.FileOffset + (bitmapIndex * VhdxBatEntry.Size), "state 6 (present), as block " + block.ToString(CultureInfo.InvariantCulture) + " is partially present",
                        ((int)new VhdxBatEntry(bat[bitmapIndex]).State).ToString(CultureInfo.InvariantCulture));
                }
            }
        }

        for (long index = geometry.ChunkRatio; index < bat.Length; index += geometry.ChunkRatio + 1)
        {
            var entry = new VhdxBatEntry(bat[index]);
            long at = (long)region.FileOffset + (index * VhdxBatEntry.Size);
            if (entry.State is not (VhdxBlockState.NotPresent or VhdxBlockState.FullyPresent))
            {
                throw FormatErrors.VhdxField(Structure, string.Create(CultureInfo.InvariantCulture, $"entry {index} (sector bitmap)"), at, "a sector bitmap state 0 or 6", ((int)entry.State).ToString(CultureInfo.InvariantCulture));
            }

            if (entry.State == VhdxBlockState.FullyPresent)
            {
                RequirePlaced(entry, at, index, VhdxLayout.MiB);
            }
        }

        return bat;
    }

    private static void RequirePlaced(VhdxBatEntry entry, long at, long index, uint length)
    {
        if (entry.FileOffset < VhdxLayout.HeaderSectionSize || entry.FileOffset > (ulong)(long.MaxValue - length))
        {
            throw FormatErrors.VhdxField("VHDX BAT", string.Create(CultureInfo.InvariantCulture, $"entry {index}"), at,
                "a block offset at or after 1 MiB", FormatErrors.Hex(entry.FileOffset));
        }
    }

    /// <inheritdoc />
    /// <exception cref="IOException">Closing an image open for writing failed (its final flush); the file is closed all the same.</exception>
    public void Dispose()
    {
        try
        {
            CloseForWriting();
        }
        finally
        {
            if (_ownsFile)
            {
                _file.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path} (VHDX {DiskType}, {Capacity} bytes)");
}
