using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>The header section's identifier and two headers (which one is current, a damaged copy), and the log they name.</summary>
internal static class VhdxHeaderChecks
{
    /// <summary>Checks the identifier and headers; returns whether a current header with valid fields was found.</summary>
    public static bool Check(VhdxScan scan)
    {
        if (scan.Length < VhdxLayout.HeaderSectionSize)
        {
            scan.Error(FaultCode.FileTooShort, VhdxScan.IdentifierStructure, 0, string.Create(CultureInfo.InvariantCulture,
                $"The file is {scan.Length} bytes long; expected a VHDX of at least its 1 MiB header section ({VhdxLayout.HeaderSectionSize} bytes)."),
                new VhdFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{scan.File.Name} ends at {scan.Length} bytes, inside the VHDX header section (expected at least {VhdxLayout.HeaderSectionSize} bytes).")));
            return false;
        }

        byte[] buffer = new byte[VhdxHeader.Size];
        scan.File.ReadExactly(buffer.AsSpan(0, VhdxFileIdentifier.Size), VhdxLayout.FileIdentifierOffset, VhdxScan.IdentifierStructure);
        try
        {
            scan.Identifier = VhdxFileIdentifier.Parse(buffer);
        }
        catch (VhdxFormatException e)
        {
            scan.Error(FaultCode.VhdxFileIdentifier, VhdxScan.IdentifierStructure, e);
        }

        scan.File.ReadExactly(buffer, VhdxLayout.Header1Offset, "VHDX header 1");
        scan.Header1 = VhdxHeader.Parse(buffer);
        scan.File.ReadExactly(buffer, VhdxLayout.Header2Offset, "VHDX header 2");
        scan.Header2 = VhdxHeader.Parse(buffer);
        try
        {
            scan.CurrentHeader = VhdxHeader.Choose(scan.Header1, scan.Header2);
        }
        catch (VhdxFormatException e)
        {
            scan.Error(FaultCode.VhdxNoValidHeader, VhdxScan.HeaderStructure, VhdxLayout.Header1Offset, e.Message, e);
            return false;
        }

        int other = 3 - scan.CurrentHeader;
        VhdxHeader damaged = other == 1 ? scan.Header1 : scan.Header2;
        if (!damaged.IsValid)
        {
            long at = OffsetOf(other);
            string why = !damaged.HasValidSignature ? "has no 'head' signature"
                : $"has CRC-32C {FormatErrors.Hex(damaged.Checksum)} stored but {FormatErrors.Hex(damaged.ComputedChecksum)} computed";
            scan.DamagedHeader = other;
            scan.Warning(FaultCode.VhdxHeaderDamaged, VhdxScan.HeaderStructure, at, string.Create(CultureInfo.InvariantCulture,
                $"VHDX header {other} at offset 0x{at:X} {why}; expected the signature 'head' and a matching CRC-32C. Header {scan.CurrentHeader} (sequence {scan.Header.SequenceNumber}) is valid and current; a writer that crashes now has no valid header to fall back on."),
                repairable: true);
            scan.Notes.Add($"VHDX header {other} is not valid (signature or CRC-32C); header {scan.CurrentHeader} is used.");
        }

        try
        {
            scan.Header.Validate(OffsetOf(scan.CurrentHeader), scan.Length);
        }
        catch (VhdxFormatException e)
        {
            scan.Error(FaultCode.VhdxHeaderField, VhdxScan.HeaderStructure, e);
            return false;
        }

        scan.HeaderUsable = true;
        return true;
    }

    /// <summary>When the current header names a log, replays it in memory (the scan's view then reads through it).</summary>
    public static void CheckLog(VhdxScan scan)
    {
        VhdxHeader header = scan.Header;
        if (header.LogGuid == Guid.Empty)
        {
            return;
        }

        VhdxLogReplay.Result replay;
        try
        {
            replay = VhdxLogReplay.Run(scan.File, header);
        }
        catch (VhdFormatException e)
        {
            scan.LogUnreplayable = true;
            scan.Error(FaultCode.VhdxLogUnreplayable, VhdxScan.LogStructure, e.Offset >= 0 ? e.Offset : (long)header.LogOffset, e.Message, e);
            return;
        }

        long logAt = (long)header.LogOffset;
        if (replay.EntryCount == 0)
        {
            scan.Warning(FaultCode.VhdxLogEmpty, VhdxScan.LogStructure, logAt, string.Create(CultureInfo.InvariantCulture,
                $"The current header names a log (LogGuid {header.LogGuid}) at offset 0x{logAt:X}, but it holds no complete sequence of valid entries: nothing to replay (a writer that set LogGuid and crashed before its first entry leaves this). Expected LogGuid zero when the log is empty."), repairable: true);
            scan.Notes.Add($"The VHDX header names a log (LogGuid {header.LogGuid}) but it holds no complete sequence of valid entries: nothing was replayed.");
            return;
        }

        scan.Replay = replay;
        scan.View = new ReplayedStorage(scan.File, replay.Writes, replay.LastFileOffset);
        scan.Warning(FaultCode.VhdxLogPending, VhdxScan.LogStructure, logAt, string.Create(CultureInfo.InvariantCulture,
            $"The log at offset 0x{logAt:X} holds {replay.EntryCount} entr{(replay.EntryCount == 1 ? "y" : "ies")} (sequence {replay.FirstSequence} to {replay.LastSequence}, {replay.Writes.Count} writes) not yet applied to the file; readers replay them (VhdKit in memory); every structure below was checked as replayed."), repairable: true);
        scan.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"The VHDX log holds {replay.EntryCount} entr{(replay.EntryCount == 1 ? "y" : "ies")} (sequence {replay.FirstSequence} to {replay.LastSequence}) not yet applied; they were replayed in memory, the file is unchanged."));
    }

    public static long OffsetOf(int header) => header == 1 ? VhdxLayout.Header1Offset : VhdxLayout.Header2Offset;
}
