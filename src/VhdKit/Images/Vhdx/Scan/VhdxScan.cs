using System.Runtime.ExceptionServices;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// The one validation of a VHDX file, as <see cref="ImageScan"/> is for VHD: the header section, log, region table,
/// metadata and BAT read the tolerant way, each structure checked by its own <c>Validate</c> rules and the checks
/// beside this file, every fault listed (never stopping at the first, unless asked to), in time and memory bounded
/// by VhdKit's limits. <see cref="VhdxImage.Open(IPositionalStorage, bool)"/> opens what it gathered and refuses on
/// the first error, <c>vhd check</c> reports the faults, <c>vhd repair</c> plans from the facts: a file <c>check</c>
/// calls sound is exactly a file that opens.
/// </summary>
internal sealed class VhdxScan
{
    public const string IdentifierStructure = "VHDX file type identifier";
    public const string HeaderStructure = "VHDX header";
    public const string LogStructure = "VHDX log";
    public const string RegionStructure = "VHDX region table";
    public const string MetadataStructure = "VHDX metadata";
    public const string BatStructure = "VHDX BAT";

    private Exception? _firstErrorException;

    private VhdxScan(IPositionalStorage file, FaultList faults, bool firstErrorOnly)
    {
        File = file;
        View = file;
        Faults = faults;
        FirstErrorOnly = firstErrorOnly;
        Length = file.Length;
    }

    /// <summary>The file scanned.</summary>
    public IPositionalStorage File { get; }

    /// <summary>The file as read: the file itself, or the file with its pending log replayed over it (in memory).</summary>
    public IPositionalStorage View { get; set; }

    public FaultList Faults { get; }

    /// <summary>Whether the scan stops at the first error (opening), instead of listing every fault (check).</summary>
    public bool FirstErrorOnly { get; }

    /// <summary>The file's length.</summary>
    public long Length { get; }

    /// <summary>Tolerated quirks worth telling whoever opens the file (<see cref="VhdxImage.Warnings"/>).</summary>
    public List<string> Notes { get; } = [];

    public VhdxFileIdentifier Identifier { get; set; }

    public VhdxHeader Header1 { get; set; }

    public VhdxHeader Header2 { get; set; }

    /// <summary>The current header: 1 or 2, or 0 when neither is valid.</summary>
    public int CurrentHeader { get; set; }

    public VhdxHeader Header => CurrentHeader == 1 ? Header1 : Header2;

    /// <summary>Whether the current header's fields are valid (a writer may open the file: <c>VhdxEditor.Open</c>).</summary>
    public bool HeaderUsable { get; set; }

    /// <summary>The header (1 or 2) that is damaged while the other is current, or 0.</summary>
    public int DamagedHeader { get; set; }

    /// <summary>Whether the header names a log that cannot be replayed.</summary>
    public bool LogUnreplayable { get; set; }

    /// <summary>What replaying the log found, or null when the header names no log (or it could not be replayed).</summary>
    public VhdxLogReplay.Result? Replay { get; set; }

    public VhdxRegionTable Regions1 { get; set; }

    public VhdxRegionTable Regions2 { get; set; }

    /// <summary>The region table copy in effect: 1 or 2, or 0 when neither is usable.</summary>
    public int RegionCopy { get; set; }

    public VhdxRegionTable Regions => RegionCopy == 1 ? Regions1 : Regions2;

    /// <summary>The region table copy (1 or 2) that is damaged or differs from the one in effect, or 0.</summary>
    public int DamagedRegionTable { get; set; }

    public VhdxMetadata? Metadata { get; set; }

    public VhdxBatGeometry Geometry { get; set; }

    /// <summary>The BAT, once it could be read.</summary>
    public ulong[]? Bat { get; set; }

    /// <summary>The BAT entries (indexes) of present payload blocks that lie wholly outside the file: nothing of them is there.</summary>
    public List<long> EntriesOutsideFile { get; } = [];

    /// <summary>Whether an error was found and the scan should stop (opening stops at the first).</summary>
    public bool Stopped => FirstErrorOnly && Faults.FirstError is not null;

    /// <summary>Scans the VHDX held by <paramref name="file"/>.</summary>
    /// <param name="file">The file.</param>
    /// <param name="maxFaultsPerCode">The most faults of one code listed one by one (the rest are counted).</param>
    /// <param name="firstErrorOnly">Stop at the first error (opening needs no more).</param>
    /// <exception cref="IOException">The file cannot be read (a file that ends early is a fault, not an exception).</exception>
    public static VhdxScan Run(IPositionalStorage file, int maxFaultsPerCode = int.MaxValue, bool firstErrorOnly = false)
    {
        var scan = new VhdxScan(file, new FaultList(file.Name, maxFaultsPerCode), firstErrorOnly);
        if (!VhdxHeaderChecks.Check(scan) || scan.Stopped)
        {
            return scan;
        }

        VhdxHeaderChecks.CheckLog(scan);
        if (scan.Stopped || !VhdxRegionChecks.Check(scan) || scan.Stopped)
        {
            return scan;
        }

        long regionsAt = scan.RegionCopy == 1 ? VhdxLayout.RegionTable1Offset : VhdxLayout.RegionTable2Offset;
        if (!firstErrorOnly)
        {
            VhdxReservedChecks.CheckRegions(scan, regionsAt); // warnings only: opening needs none of them
        }

        if (VhdxMetadataChecks.Check(scan) && !scan.Stopped)
        {
            long metadataAt = (long)scan.Regions.Find(VhdxGuids.MetadataRegion)!.Value.FileOffset;
            if (!firstErrorOnly)
            {
                VhdxReservedChecks.CheckMetadata(scan, metadataAt);
            }

            VhdxBatChecks.Check(scan);
            if (!firstErrorOnly && scan.Bat is { } bat)
            {
                long batAt = (long)scan.Regions.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
                VhdxReservedChecks.CheckBat(scan, bat, batAt);
                VhdxReservedChecks.CheckBitmapTail(scan, bat, batAt);
            }
        }

        return scan;
    }

    /// <summary>Adds an error fault; the first error's exception (when the rule that found it threw one) is what opening throws.</summary>
    public void Error(FaultCode code, string structure, long offset, string message, Exception? exception = null, bool repairable = false)
    {
        if (Faults.FirstError is null)
        {
            _firstErrorException = exception;
        }

        Faults.Add(code, FaultSeverity.Error, structure, offset, message, repairable);
    }

    /// <summary>Adds an error fault for a rule that threw <paramref name="exception"/>.</summary>
    public void Error(FaultCode code, string structure, VhdFormatException exception) =>
        Error(code, structure, exception.Offset, exception.Message, exception);

    public void Warning(FaultCode code, string structure, long offset, string message, bool repairable = false) =>
        Faults.Add(code, FaultSeverity.Warning, structure, offset, message, repairable);

    /// <summary>Throws the first error (the exception its rule threw, else a <see cref="VhdxFormatException"/>), if there is one.</summary>
    /// <exception cref="VhdFormatException">The scan found an error.</exception>
    public void ThrowIfError()
    {
        if (Faults.FirstError is not { } fault)
        {
            return;
        }

        if (_firstErrorException is not null)
        {
            ExceptionDispatchInfo.Capture(_firstErrorException).Throw();
        }

        throw new VhdxFormatException(fault.Message, fault.Structure, fault.Offset);
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes of the view at <paramref name="offset"/>; false when it ends first.</summary>
    public bool TryRead(Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int read = View.Read(buffer[done..], offset + done);
            if (read == 0)
            {
                return false;
            }

            done += read;
        }

        return true;
    }
}
