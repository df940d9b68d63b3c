using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// One VHD file (one layer of a chain), opened and validated: its footer, dynamic header, parent locators
/// and block allocation table. Opening reads only the metadata, in bounded time and memory.
/// </summary>
public sealed partial class VhdImage : IDisposable
{
    /// <summary>The largest BAT VhdKit reads: 16,777,216 entries (64 MiB), e.g. 2040 GiB in 128 KiB blocks.</summary>
    public const int MaxBatEntries = 1 << 24;

    /// <summary>The longest parent locator text VhdKit reads: 64 KiB.</summary>
    public const int MaxLocatorDataLength = 64 * 1024;

    private readonly bool _ownsStorage;

    private VhdImage(IPositionalStorage storage, bool ownsStorage, ImageScan scan)
    {
        Storage = storage;
        _ownsStorage = ownsStorage;
        Footer = scan.Footer;
        FooterOffset = scan.FooterOffset;
        FooterSource = scan.FooterSource;
        Header = scan.Header;
        Bat = scan.Bat;
        _capacity = (long)scan.Footer.CurrentSize;
        _readOnly = !storage.CanWrite;
        Locators = scan.Locators.ToImmutable();
        Warnings = [.. scan.Notes];
        if (Header is { } header)
        {
            _blockSize = (int)header.BlockSize;
            _sectorsPerBlock = (int)(header.BlockSize / VhdConstants.SectorSize);
            _bitmaps = new BitmapCache(storage, SectorBitmap.SizeInBytes(_sectorsPerBlock));
            MetadataEnd = scan.MetadataEnd;
            _dataEnd = scan.DataEnd;

            // A footer recovered from the copy at offset 0 is written back to the end at the first flush.
            _endMoved = scan.FooterSource != FooterSource.End;
        }
    }

    /// <summary>The storage the image is read from (internal: metadata changes go through <see cref="MetadataEditor"/>).</summary>
    internal IPositionalStorage Storage { get; }

    /// <summary>The file's length in bytes.</summary>
    /// <exception cref="IOException">The length cannot be read.</exception>
    public long FileLength => Storage.Length;

    /// <summary>The file's path (or the storage's name).</summary>
    public string Path => Storage.Name;

    /// <summary>The footer in effect.</summary>
    public VhdFooter Footer { get; }

    /// <summary>Where <see cref="Footer"/> was read.</summary>
    public long FooterOffset { get; }

    /// <summary>Whether the end footer was used or recovered from the copy at offset 0.</summary>
    public FooterSource FooterSource { get; }

    /// <summary>The dynamic header, for dynamic and differencing disks.</summary>
    public DynamicHeader? Header { get; }

    /// <summary>The block allocation table (only the entries that address the disk), for dynamic and differencing disks.</summary>
    public BlockAllocationTable? Bat { get; }

    /// <summary>The used parent locator entries with their text (differencing disks; empty otherwise).</summary>
    public ImmutableArray<ParentLocator> Locators { get; }

    /// <summary>Things that were tolerated while opening (e.g. a footer recovered from its copy).</summary>
    public ImmutableArray<string> Warnings { get; }

    /// <summary>The disk type.</summary>
    public VhdDiskType DiskType => Footer.DiskType;

    /// <summary>The virtual disk's size in bytes (the footer's current size, which VhdKit takes as authoritative).</summary>
    public long Capacity => _capacity;

    /// <summary>The block size in bytes (0 for fixed disks).</summary>
    public int BlockSize => _blockSize;

    /// <summary>The unique id.</summary>
    public Guid UniqueId => Footer.UniqueId;

    /// <summary>
    /// Where the metadata of a dynamic or differencing image (footer copy, header, BAT, parent locator data) ends,
    /// sector-aligned; 0 for a fixed disk.
    /// </summary>
    internal long MetadataEnd { get; }

    /// <summary>Where the structures and blocks of a dynamic or differencing image end (new blocks go after); 0 for a fixed disk.</summary>
    internal long StructuresEnd => _dataEnd;

    /// <summary>Whether the image was opened for writing.</summary>
    public bool CanWrite => Storage.CanWrite;

    /// <summary>
    /// Opens the VHD at <paramref name="path"/> (read-only unless <paramref name="options"/> say otherwise).
    /// Other readers and writers are not blocked.
    /// </summary>
    /// <exception cref="UnsupportedImageFormatException">The file is a VHDX, qcow2, VMDK or VDI image.</exception>
    /// <exception cref="VhdFormatException">The file is not a valid VHD.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="NotSupportedException"><paramref name="path"/> is a URL (<see cref="StorageLocations"/>) and writing was asked for, or no opener is registered for its scheme.</exception>
    public static VhdImage Open(string path, VhdOpenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool writable = options?.Writable ?? false;
        if (StorageLocations.IsUrl(path))
        {
            return OpenUrl(path, writable);
        }

        FileStorage storage;
        try
        {
            // A writer locks the file exclusively (a second writer, or a chain holding it as a parent, is refused);
            // readers share it, so any number of chains may read one parent.
            storage = writable
                ? FileStorage.Open(path, FileAccess.ReadWrite, FileShare.None)
                : FileStorage.Open(path, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException e) when (ImageInUseException.IsSharingViolation(e))
        {
            throw new ImageInUseException(path, e);
        }

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

    /// <summary>Opens the VHD at a URL through its registered opener (<see cref="StorageLocations"/>): read-only, always.</summary>
    private static VhdImage OpenUrl(string url, bool writable)
    {
        IPositionalStorage storage = StorageLocations.OpenRead(url);
        if (writable)
        {
            string name = storage.Name;
            storage.Dispose();
            throw StorageLocations.WritingRefused(name);
        }

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

    /// <summary>Opens the VHD held by <paramref name="storage"/>.</summary>
    /// <param name="storage">The storage.</param>
    /// <param name="leaveOpen">Whether disposing the image leaves <paramref name="storage"/> open.</param>
    /// <exception cref="UnsupportedImageFormatException">The storage holds a VHDX, qcow2, VMDK or VDI image.</exception>
    /// <exception cref="VhdFormatException">The storage does not hold a valid VHD.</exception>
    /// <exception cref="IOException">The storage cannot be read.</exception>
    public static VhdImage Open(IPositionalStorage storage, bool leaveOpen = true)
    {
        ArgumentNullException.ThrowIfNull(storage);

        // Opening is the one scan that check and repair use too, refusing on its first error.
        ImageScan scan = ImageScan.Run(storage, maxFaultsPerCode: 1);
        if (scan.FirstError is not null && ImageFormatProbe.Detect(storage) is not (ImageFormat.Vhd or ImageFormat.Raw) and ImageFormat other)
        {
            // Another format VhdKit knows by sight: say what the file is, not which VHD field it lacks.
            throw new UnsupportedImageFormatException(storage.Name, other);
        }

        scan.ThrowIfError();
        return new VhdImage(storage, !leaveOpen, scan);
    }

    /// <summary>Reads the raw bytes of a parent locator's data (bounded by <see cref="MaxLocatorDataLength"/>).</summary>
    internal static byte[] ReadLocatorData(IPositionalStorage storage, ParentLocatorEntry entry, string what)
    {
        var data = new byte[entry.PlatformDataLength];
        storage.ReadExactly(data, (long)entry.PlatformDataOffset, what);
        return data;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsStorage)
        {
            Storage.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path} ({DiskType}, {Capacity} bytes)");
}
