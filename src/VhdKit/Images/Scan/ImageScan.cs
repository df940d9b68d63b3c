using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// The one validation of a VHD file: every structure read the tolerant way, each field checked against one table
/// of rules (the checks beside this file), every fault listed and never stopping at the first, in bounded time
/// and memory. Everyone who judges a file uses it: <see cref="VhdImage.Open(IPositionalStorage, bool)"/> opens
/// what it gathered and refuses on the first error, <c>vhd check</c> reports the faults, <c>vhd repair</c>
/// plans its fixes from the facts. So a file <c>check</c> calls sound (no error) is exactly a file that opens.
/// </summary>
/// <remarks>
/// Severity is decided here, once: an <see cref="FaultSeverity.Error"/> is what makes reading impossible or
/// unsafe (the image does not open); a <see cref="FaultSeverity.Warning"/> is tolerated by VhdKit's reader
/// (some are repairable, e.g. a lost end footer read from its copy at offset 0).
/// </remarks>
internal sealed class ImageScan
{
    public const string FooterStructure = "Footer";
    public const string FooterCopyStructure = "Footer copy";
    public const string HeaderStructure = "Dynamic header";
    public const string BatStructure = "Block allocation table";

    private ImageScan(IPositionalStorage storage, FaultList faults)
    {
        Storage = storage;
        Faults = faults;
        Length = storage.Length;
    }

    public IPositionalStorage Storage { get; }

    public FaultList Faults { get; }

    public long Length { get; }

    /// <summary>Tolerated quirks worth telling whoever opens the file (<see cref="VhdImage.Warnings"/>).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>The length of the end footer: 512, or 511 for very old files.</summary>
    public int EndFooterLength { get; set; } = VhdFooter.Size;

    public long EndFooterOffset => Length - EndFooterLength;

    /// <summary>The end footer's bytes (a 511-byte one padded with a zero).</summary>
    public byte[] EndBytes { get; } = new byte[VhdFooter.Size];

    /// <summary>The bytes at offset 0 (dynamic and differencing disks), or <see langword="null"/>.</summary>
    public byte[]? CopyBytes { get; set; }

    /// <summary>Whether the end footer has its cookie and a matching checksum.</summary>
    public bool EndIntact { get; set; }

    /// <summary>The footer in effect (parsed), once a usable one was found.</summary>
    public VhdFooter Footer { get; set; }

    /// <summary>The bytes of the footer in effect.</summary>
    public byte[]? FooterBytes { get; set; }

    /// <summary>Where the footer in effect was read.</summary>
    public long FooterOffset { get; set; }

    /// <summary>Where the footer in effect came from.</summary>
    public FooterSource FooterSource => FooterOffset == 0 && EndFooterOffset > 0 ? FooterSource.CopyAtOffsetZero : FooterSource.End;

    /// <summary>Whether every field of the footer in effect (the checksum aside) is valid.</summary>
    public bool FooterFieldsValid { get; set; }

    /// <summary>The index of the <see cref="FaultCode.EndFooterMissing"/> fault, or -1.</summary>
    public int EndMissingFault { get; set; } = -1;

    /// <summary>The index of the <see cref="FaultCode.OrphanTail"/> fault, or -1.</summary>
    public int OrphanTailFault { get; set; } = -1;

    /// <summary>Whether the footer's checksum must be recomputed (a repairable <see cref="FaultCode.FooterChecksum"/>).</summary>
    public bool FooterChecksumRepairable { get; set; }

    /// <summary>Whether the copy at offset 0 must be rewritten (a repairable <see cref="FaultCode.FooterCopyMismatch"/>).</summary>
    public bool CopyRepairable { get; set; }

    /// <summary>Whether the header's checksum must be recomputed (a repairable <see cref="FaultCode.HeaderChecksum"/>).</summary>
    public bool HeaderChecksumRepairable { get; set; }

    public DynamicHeader? Header { get; set; }

    public long HeaderOffset { get; set; }

    /// <summary>Where blocks and metadata must end: the end footer's offset when it is intact, else the file's length.</summary>
    public long DataLimit => EndIntact ? EndFooterOffset : Length;

    /// <summary>The end of the last structure or sound block inside the file, 512-aligned; -1 when the BAT could not be read.</summary>
    public long DataEnd { get; set; } = -1;

    /// <summary>
    /// The end of every byte a BAT entry names, sound or not (blocks that start past the data, which repair
    /// unnames, aside): nothing before it may be cut. -1 when the BAT could not be read.
    /// </summary>
    public long NamedEnd { get; set; } = -1;

    /// <summary>
    /// Whether an end footer may be written at <see cref="DataEnd"/> and the file cut after it: the BAT was read and
    /// no entry names bytes past the data (a block that runs past the end of a cut-short file, or into the
    /// metadata), so the cut loses nothing any entry names.
    /// </summary>
    public bool EndPlaceable => DataEnd >= 0 && NamedEnd == DataEnd;

    /// <summary>The end of the metadata (footer copy, header, BAT, locator data), 512-aligned.</summary>
    public long MetadataEnd { get; set; }

    /// <summary>The BAT entries that name blocks wholly outside the file (repair clears them).</summary>
    public List<int> BlocksOutsideFile { get; } = [];

    /// <summary>The metadata regions found (footer copy, header, BAT, locator data), for the BAT checks.</summary>
    public List<(string Name, long Start, long End)> Regions { get; } = [];

    /// <summary>The entries that address the disk, once the table could be read.</summary>
    public BlockAllocationTable? Bat { get; set; }

    /// <summary>The used parent locator entries of a known platform, with their text.</summary>
    public ImmutableArray<ParentLocator>.Builder Locators { get; } = ImmutableArray.CreateBuilder<ParentLocator>();

    /// <summary>Scans the file held by <paramref name="storage"/>.</summary>
    /// <param name="storage">The file.</param>
    /// <param name="maxFaultsPerCode">The most faults of one code listed one by one (the rest are counted).</param>
    /// <exception cref="IOException">The storage cannot be read.</exception>
    public static ImageScan Run(IPositionalStorage storage, int maxFaultsPerCode = int.MaxValue)
    {
        var scan = new ImageScan(storage, new FaultList(storage.Name, maxFaultsPerCode));
        if (!FooterChecks.Check(scan))
        {
            return scan;
        }

        if (scan.Footer.DiskType == VhdDiskType.Fixed)
        {
            return scan;
        }

        bool batReadable = HeaderChecks.Check(scan);
        if (scan.Header is not null && scan.Footer.DiskType == VhdDiskType.Differencing)
        {
            // The locators do not depend on the BAT: they are checked even when the BAT cannot be followed.
            LocatorChecks.Check(scan);
        }

        scan.MetadataEnd = BlockAllocationTable.AlignUp(RegionsEnd(scan), VhdConstants.SectorSize);
        if (batReadable)
        {
            BatChecks.Check(scan);
        }

        FooterChecks.SetEndRepairability(scan);
        return scan;
    }

    /// <summary>The first error found (what opening refuses the file for), or <see langword="null"/> when it opens.</summary>
    public CheckFault? FirstError => Faults.FirstError;

    /// <summary>Throws the first error as a <see cref="VhdFormatException"/>, if there is one.</summary>
    /// <exception cref="VhdFormatException">The scan found an error.</exception>
    public void ThrowIfError()
    {
        if (FirstError is { } fault)
        {
            throw new VhdFormatException(fault.Message, fault.Structure, fault.Offset);
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; false when the file ends first.</summary>
    public bool TryRead(Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read = Storage.Read(buffer[done..], offset + done);
            if (read == 0)
            {
                return false;
            }

            done += read;
        }

        return true;
    }

    private static long RegionsEnd(ImageScan scan)
    {
        long end = 0;
        foreach ((_, _, long regionEnd) in scan.Regions)
        {
            end = Math.Max(end, regionEnd);
        }

        return end;
    }
}
