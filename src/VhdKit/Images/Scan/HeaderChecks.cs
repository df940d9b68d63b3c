using System.Globalization;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Images;

/// <summary>The dynamic header of dynamic and differencing disks.</summary>
internal static class HeaderChecks
{
    /// <summary>Checks the header; returns whether the BAT it describes can be followed.</summary>
    public static bool Check(ImageScan scan)
    {
        const string S = ImageScan.HeaderStructure;
        FaultList faults = scan.Faults;
        long offset = (long)scan.Footer.HeaderOffset!.Value;
        scan.HeaderOffset = offset;
        Span<byte> bytes = stackalloc byte[DynamicHeader.Size];
        if (!scan.TryRead(bytes, offset))
        {
            faults.Add(FaultCode.FooterDataOffset, FaultSeverity.Error, ImageScan.FooterStructure, scan.FooterOffset + FooterLayout.DataOffset,
                string.Create(CultureInfo.InvariantCulture, $"The dynamic header at 0x{offset:X} lies past the end of the file."));
            return false;
        }

        DynamicHeader header = DynamicHeader.Parse(bytes);
        if (!header.HasValidCookie)
        {
            faults.Add(FaultCode.HeaderCookie, FaultSeverity.Error, S, offset,
                FormatErrors.FieldMessage(S, "Cookie", offset, "\"cxsparse\"", "something else"));
            return false;
        }

        scan.Header = header;
        scan.Regions.Add(("footer copy", 0, VhdFooter.Size));
        scan.Regions.Add(("dynamic header", offset, offset + DynamicHeader.Size));
        bool canContinue = true;

        void Error(FaultCode code, string field, int fieldOffset, string expected, string actual) =>
            faults.Add(code, FaultSeverity.Error, S, offset + fieldOffset, FormatErrors.FieldMessage(S, field, offset + fieldOffset, expected, actual));

        void Warning(FaultCode code, string field, int fieldOffset, string expected, string actual) =>
            faults.Add(code, FaultSeverity.Warning, S, offset + fieldOffset, FormatErrors.FieldMessage(S, field, offset + fieldOffset, expected, actual));

        int checksum = -1;
        if (!header.ChecksumMatches)
        {
            checksum = faults.Add(FaultCode.HeaderChecksum, FaultSeverity.Error, S, offset + DynamicHeaderLayout.Checksum,
                FormatErrors.FieldMessage(S, "Checksum", offset + DynamicHeaderLayout.Checksum, FormatErrors.Hex(header.ComputedChecksum), FormatErrors.Hex(header.Checksum)));
        }

        if (header.HeaderVersion >> 16 != 1)
        {
            Error(FaultCode.HeaderVersion, "HeaderVersion", DynamicHeaderLayout.HeaderVersion, "major version 1 (0x00010000)", FormatErrors.Hex(header.HeaderVersion));
        }

        if (header.DataOffset != ulong.MaxValue)
        {
            Warning(FaultCode.HeaderDataOffset, "DataOffset", DynamicHeaderLayout.DataOffset, "all ones", FormatErrors.Hex(header.DataOffset));
        }

        uint blockSize = header.BlockSize;
        if (blockSize < VhdConstants.SectorSize || blockSize > VhdConstants.MaximumBlockSize || !uint.IsPow2(blockSize))
        {
            Error(FaultCode.HeaderBlockSize, "BlockSize", DynamicHeaderLayout.BlockSize,
                string.Create(CultureInfo.InvariantCulture, $"a power of two of sectors up to {VhdConstants.MaximumBlockSize} bytes"), Number(blockSize));
            canContinue = false;
        }
        else
        {
            canContinue &= CheckTable(scan, header, Error);
        }

        int reserved = FirstNonZero(bytes, DynamicHeaderLayout.Reserved1, 4);
        if (reserved < 0)
        {
            reserved = FirstNonZero(bytes, DynamicHeaderLayout.Reserved2, DynamicHeader.Size - DynamicHeaderLayout.Reserved2);
        }

        if (reserved >= 0)
        {
            Warning(FaultCode.HeaderReserved, "Reserved", reserved, "zero", string.Create(CultureInfo.InvariantCulture, $"0x{bytes[reserved]:X2} at byte {reserved}"));
        }

        scan.HeaderChecksumRepairable = checksum >= 0 && !faults.HasError(S, FaultCode.HeaderChecksum);
        faults.SetRepairable(checksum, scan.HeaderChecksumRepairable);
        return canContinue;
    }

    private static bool CheckTable(ImageScan scan, DynamicHeader header, Action<FaultCode, string, int, string, string> error)
    {
        long capacity = (long)scan.Footer.CurrentSize;
        long needed = (capacity + header.BlockSize - 1) / header.BlockSize;
        if (header.MaxTableEntries < needed)
        {
            error(FaultCode.HeaderMaxTableEntries, "MaxTableEntries", DynamicHeaderLayout.MaxTableEntries,
                string.Create(CultureInfo.InvariantCulture, $"{needed} (a {capacity}-byte disk in {header.BlockSize}-byte blocks)"), Number(header.MaxTableEntries));
            return false;
        }

        if (needed > VhdImage.MaxBatEntries)
        {
            error(FaultCode.HeaderMaxTableEntries, "MaxTableEntries", DynamicHeaderLayout.MaxTableEntries,
                string.Create(CultureInfo.InvariantCulture, $"at most {VhdImage.MaxBatEntries} entries (VhdKit's bound on the table it reads)"), Number((ulong)needed));
            return false;
        }

        ulong table = header.TableOffset;
        ulong limit = (ulong)scan.DataLimit;
        bool clear = table >= VhdFooter.Size
                     && (table >= (ulong)scan.HeaderOffset + DynamicHeader.Size || table + (ulong)(needed * 4) <= (ulong)scan.HeaderOffset);
        if (!clear || table > limit || (ulong)(needed * 4) > limit - table)
        {
            error(FaultCode.HeaderTableOffset, "TableOffset", DynamicHeaderLayout.TableOffset,
                string.Create(CultureInfo.InvariantCulture, $"a {needed * 4}-byte table inside the {scan.Length}-byte file, clear of the footer copy and the header"),
                FormatErrors.Hex(table));
            return false;
        }

        if ((ulong)header.MaxTableEntries * 4 > limit - table)
        {
            error(FaultCode.HeaderMaxTableEntries, "MaxTableEntries", DynamicHeaderLayout.MaxTableEntries,
                string.Create(CultureInfo.InvariantCulture, $"a table that fits in the file (at most {(limit - table) / 4} entries at 0x{table:X}; the disk needs {needed})"),
                Number(header.MaxTableEntries));
        }

        if (header.MaxTableEntries > needed)
        {
            // blktap sizes the table for a later resize: tolerated, and only the entries that address the disk are read.
            scan.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"The BAT has {header.MaxTableEntries} entries; the disk needs {needed}. The extra entries are ignored."));
        }

        long tableEnd = (long)table + Math.Min(BlockAllocationTable.SizeInBytes(header.MaxTableEntries), (long)(limit - table));
        scan.Regions.Add(("block allocation table", (long)table, tableEnd));
        return true;
    }

    private static int FirstNonZero(ReadOnlySpan<byte> bytes, int start, int length)
    {
        int index = bytes.Slice(start, length).IndexOfAnyExcept((byte)0);
        return index < 0 ? -1 : start + index;
    }

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
