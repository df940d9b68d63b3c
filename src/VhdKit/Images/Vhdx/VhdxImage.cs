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

    /// <summary>Opens the VHDX at <paramref name="path"/> (a file, or a URL through <see cref="StorageLocations"/>) read-only (other readers and writers are not blocked).</summary>
    /// <exception cref="VhdxFormatException">The file is not a valid VHDX, or holds something VhdKit must refuse.</exception>
    /// <exception cref="VhdFormatException">The file ends before a structure does.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="NotSupportedException"><paramref name="path"/> is a URL whose scheme has no opener registered.</exception>
    public static VhdxImage Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        IPositionalStorage storage = StorageLocations.OpenRead(path); // a file shared for reading, or a URL (read-only)
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
        // The one validation: check lists what this refuses on.
        VhdxScan scan = VhdxScan.Run(file, maxFaultsPerCode: 1, firstErrorOnly: true);
        scan.ThrowIfError();
        view = scan.View;
        VhdxLogReplaySummary? summary = scan.Header.LogGuid == Guid.Empty ? null
            : scan.Replay is { } replay ? new VhdxLogReplaySummary(replay.EntryCount, replay.Writes.Count, replay.FirstSequence, replay.LastSequence)
            : new VhdxLogReplaySummary(0, 0, 0, 0);
        return new Opened(scan.Identifier, scan.Header1, scan.Header2, scan.CurrentHeader, scan.Regions, scan.RegionCopy,
            scan.Metadata!, scan.Geometry, scan.Bat!, summary, [.. scan.Notes]);
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
