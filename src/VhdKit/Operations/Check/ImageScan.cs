using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// One file read the tolerant way: every structure parsed without validation, each field checked and every fault
/// listed (never stopping at the first), in bounded time and memory. <see cref="VhdChecker"/> reports the faults;
/// <see cref="VhdRepairer"/> uses the facts gathered here to fix the repairable ones.
/// </summary>
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

    /// <summary>The end of the last structure or block inside the file, 512-aligned; -1 when the BAT could not be read.</summary>
    public long DataEnd { get; set; } = -1;

    /// <summary>The BAT entries that name blocks wholly outside the file (repair clears them).</summary>
    public List<int> BlocksOutsideFile { get; } = [];

    /// <summary>The metadata regions found (footer copy, header, BAT, locator data), for the BAT checks.</summary>
    public List<(string Name, long Start, long End)> Regions { get; } = [];

    public static ImageScan Run(IPositionalStorage storage, CheckOptions options)
    {
        var scan = new ImageScan(storage, new FaultList(storage.Name, options.MaxFaultsPerCode));
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

        if (batReadable)
        {
            BatChecks.Check(scan);
        }

        FooterChecks.SetEndRepairability(scan);
        return scan;
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
}
