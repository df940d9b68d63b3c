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
        byte[] second = new byte[VhdxHeader.Size];
        scan.File.ReadExactly(second, VhdxLayout.Header2Offset, "VHDX header 2");
        scan.Header2 = VhdxHeader.Parse(second);
        try
        {
            scan.CurrentHeader = VhdxHeader.Choose(scan.Header1, scan.Header2);
        }
        catch (VhdxFormatException e)
        {
            scan.Error(FaultCode.VhdxNoValidHeader, VhdxScan.HeaderStructure, VhdxLayout.Header1Offset, e.Message, e);
            return false;
        }

        if (!CheckSequenceTie(scan, buffer, second))
        {
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

        if (!scan.FirstErrorOnly)
        {
            VhdxReservedChecks.CheckHeader(scan, scan.CurrentHeader == 1 ? buffer : second, OffsetOf(scan.CurrentHeader));
        }

        scan.HeaderUsable = true;
        return true;
    }

    /// <summary>
    /// Two valid headers with the same sequence number. MS-VHDX makes a header current only when it is the only valid
    /// one or its sequence number is greater than the other's, so such a file has no current header and is corrupt;
    /// a writer never makes one. Tolerated when the two are byte-for-byte the same (Microsoft's Disk2VHD writes its
    /// header twice; qemu accepts that case alone, since qemu commit 6906046169): a warning, header 1 is used. Two
    /// different headers with one sequence number are refused: nothing says which one the writer meant.
    /// </summary>
    /// <returns>Whether the scan can go on.</returns>
    private static bool CheckSequenceTie(VhdxScan scan, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (!scan.Header1.IsValid || !scan.Header2.IsValid || scan.Header1.SequenceNumber != scan.Header2.SequenceNumber)
        {
            return true;
        }

        ulong sequence = scan.Header1.SequenceNumber;
        if (first.SequenceEqual(second))
        {
            scan.Warning(FaultCode.VhdxHeaderDuplicate, VhdxScan.HeaderStructure, VhdxLayout.Header2Offset, string.Create(CultureInfo.InvariantCulture,
                $"VHDX headers 1 and 2 (offsets 0x{VhdxLayout.Header1Offset:X} and 0x{VhdxLayout.Header2Offset:X}) are identical, sequence number {sequence} in both; expected the current one's to be greater (MS-VHDX). Tolerated as qemu does (Disk2VHD writes its header twice): header 1 is used; the next writer gives them distinct sequence numbers."));
            scan.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"VHDX headers 1 and 2 are identical (sequence number {sequence}); header 1 is used."));
            return true;
        }

        string message = string.Create(CultureInfo.InvariantCulture,
            $"VHDX headers 1 and 2 (offsets 0x{VhdxLayout.Header1Offset:X} and 0x{VhdxLayout.Header2Offset:X}) are both valid with sequence number {sequence} but differ; expected one with a greater sequence number (MS-VHDX: the current header), was a tie, so no header is current and the file is refused.");
        scan.Error(FaultCode.VhdxHeaderSequenceTie, VhdxScan.HeaderStructure, VhdxLayout.Header1Offset + VhdxHeaderLayout.SequenceNumber, message, new VhdxFormatException(message));
        return false;
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
