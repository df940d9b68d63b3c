using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;

namespace VhdKit.Images.Vhdx;

/// <summary>The two region table copies (which one is used, a damaged or differing copy) and the regions they name.</summary>
internal static class VhdxRegionChecks
{
    /// <summary>Checks both copies and the regions of the one in effect; returns whether the BAT and metadata regions are usable.</summary>
    public static bool Check(VhdxScan scan)
    {
        byte[] buffer = new byte[VhdxRegionTable.Size];
        scan.Regions1 = Read(scan, buffer, VhdxLayout.RegionTable1Offset);
        scan.Regions2 = Read(scan, buffer, VhdxLayout.RegionTable2Offset);
        VhdxRegionTable first = scan.Regions1;
        VhdxRegionTable second = scan.Regions2;
        if (!first.IsValid && !second.IsValid)
        {
            scan.Error(FaultCode.VhdxNoValidRegionTable, VhdxScan.RegionStructure, VhdxLayout.RegionTable1Offset,
                $"Neither VHDX region table is valid: the one at offset 0x{VhdxLayout.RegionTable1Offset:X} {Describe(first)}, the one at 0x{VhdxLayout.RegionTable2Offset:X} {Describe(second)}; expected the signature 'regi', a matching CRC-32C and at most 2047 entries in at least one.");
            return false;
        }

        scan.RegionCopy = first.IsValid ? 1 : 2;
        if (!first.IsValid || !second.IsValid)
        {
            int bad = first.IsValid ? 2 : 1;
            long at = bad == 1 ? VhdxLayout.RegionTable1Offset : VhdxLayout.RegionTable2Offset;
            scan.DamagedRegionTable = bad;
            scan.Warning(FaultCode.VhdxRegionTableDamaged, VhdxScan.RegionStructure, at,
                $"VHDX region table {bad} at offset 0x{at:X} {Describe(bad == 1 ? first : second)}; expected the signature 'regi', a matching CRC-32C and at most 2047 entries. Copy {3 - bad} is valid and used.",
                repairable: true);
            if (bad == 1)
            {
                scan.Notes.Add($"VHDX region table 1 is not valid ({Describe(first)}); the copy at offset 0x{VhdxLayout.RegionTable2Offset:X} is used.");
            }
        }
        else if (!SameEntries(first, second))
        {
            scan.DamagedRegionTable = 2;
            scan.Warning(FaultCode.VhdxRegionTableDamaged, VhdxScan.RegionStructure, VhdxLayout.RegionTable2Offset,
                $"VHDX region table 2 at offset 0x{VhdxLayout.RegionTable2Offset:X}: expected the same entries as table 1 (a writer updates both), was different ones; table 1 is used.",
                repairable: true);
        }

        return CheckEntries(scan, scan.Regions, scan.RegionCopy == 1 ? VhdxLayout.RegionTable1Offset : VhdxLayout.RegionTable2Offset);
    }

    private static bool CheckEntries(VhdxScan scan, VhdxRegionTable table, long tableAt)
    {
        bool refused = false;
        for (int i = 0; i < table.Entries.Length; i++)
        {
            VhdxRegionEntry entry = table.Entries[i];
            if (entry.IsRequired && entry.Id != VhdxGuids.BatRegion && entry.Id != VhdxGuids.MetadataRegion)
            {
                long at = tableAt + VhdxRegionTable.HeaderSize + (i * VhdxRegionEntry.Size);
                string message = $"VHDX region table entry {i} at offset 0x{at:X} names region {entry.Id}, which is marked required and unknown to VhdKit; expected only the BAT and metadata regions to be required. The file is refused, as the format requires.";
                scan.Error(FaultCode.VhdxRegionRequiredUnknown, VhdxScan.RegionStructure, at, message, new VhdxFormatException(message));
                refused = true;
            }
        }

        if (refused)
        {
            return false;
        }

        try
        {
            table.Validate(tableAt, scan.View.Length);
        }
        catch (VhdxFormatException e)
        {
            scan.Error(FaultCode.VhdxRegionEntry, VhdxScan.RegionStructure, e.Offset >= 0 ? e.Offset : tableAt, e.Message, e);
            return false;
        }

        VhdxHeader header = scan.Header;
        for (int i = 0; i < table.Entries.Length; i++)
        {
            VhdxRegionEntry entry = table.Entries[i];
            if (entry.FileOffset < header.LogOffset + header.LogLength && header.LogOffset < entry.FileOffset + entry.Length)
            {
                long at = tableAt + VhdxRegionTable.HeaderSize + (i * VhdxRegionEntry.Size) + 16;
                scan.Error(FaultCode.VhdxRegionEntry, VhdxScan.RegionStructure, at, FormatErrors.FieldMessage(VhdxScan.RegionStructure,
                    $"entry {i} ({VhdxGuids.NameOf(entry.Id) ?? entry.Id.ToString()})", at,
                    $"a region clear of the log (offset {FormatErrors.Hex(header.LogOffset)}, {FormatErrors.Hex(header.LogLength)} bytes)",
                    string.Create(CultureInfo.InvariantCulture, $"offset {FormatErrors.Hex(entry.FileOffset)}, length {FormatErrors.Hex(entry.Length)}")));
            }
        }

        return true;
    }

    private static VhdxRegionTable Read(VhdxScan scan, byte[] buffer, long at)
    {
        if (!scan.TryRead(buffer, at))
        {
            buffer.AsSpan().Clear(); // cannot happen past the 1 MiB checked before; an all-zero copy is invalid
        }

        return VhdxRegionTable.Parse(buffer);
    }

    private static bool SameEntries(in VhdxRegionTable first, in VhdxRegionTable second) =>
        first.EntryCount == second.EntryCount && first.Entries.SequenceEqual(second.Entries);

    public static string Describe(in VhdxRegionTable table) =>
        !table.HasValidSignature ? "has no 'regi' signature"
        : table.Checksum != table.ComputedChecksum ? $"has CRC-32C {FormatErrors.Hex(table.Checksum)} stored but {FormatErrors.Hex(table.ComputedChecksum)} computed"
        : string.Create(CultureInfo.InvariantCulture, $"claims {table.EntryCount} entries");
}
