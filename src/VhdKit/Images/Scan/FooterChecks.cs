using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Images;

/// <summary>The end footer, its copy at offset 0, and the fields of the footer in effect.</summary>
internal static class FooterChecks
{
    /// <summary>A creation time up to a day ahead is tolerated: some tools wrote local time.</summary>
    private const uint FutureTolerance = 24 * 60 * 60;

    /// <summary>Checks the footers; returns whether the rest of the file can be interpreted.</summary>
    public static bool Check(ImageScan scan)
    {
        FaultList faults = scan.Faults;
        if (scan.Length < FooterLayout.LegacySize)
        {
            faults.Add(FaultCode.FileTooShort, FaultSeverity.Error, ImageScan.FooterStructure, 0, string.Create(CultureInfo.InvariantCulture,
                $"The file is {scan.Length} bytes long; a VHD holds at least a {VhdFooter.Size}-byte footer."));
            return false;
        }

        // Very old images end with a 511-byte footer (tolerated, as VhdImage does).
        scan.EndFooterLength = scan.Length % VhdConstants.SectorSize == FooterLayout.LegacySize ? FooterLayout.LegacySize : VhdFooter.Size;
        if (scan.EndFooterLength == FooterLayout.LegacySize)
        {
            scan.Notes.Add("The file ends with a 511-byte footer (written by an old tool); read as a 512-byte one.");
        }

        scan.TryRead(scan.EndBytes.AsSpan(0, scan.EndFooterLength), scan.EndFooterOffset);
        VhdFooter end = VhdFooter.Parse(scan.EndBytes);
        scan.EndIntact = end.HasValidCookie && end.ChecksumMatches;

        VhdFooter copy = default;
        bool copyIntact = false;
        if (scan.EndFooterOffset >= VhdFooter.Size)
        {
            scan.CopyBytes = new byte[VhdFooter.Size];
            scan.TryRead(scan.CopyBytes, 0);
            copy = VhdFooter.Parse(scan.CopyBytes);
            copyIntact = copy.HasValidCookie && copy.ChecksumMatches;
        }

        if (scan.EndIntact)
        {
            bool canContinue = Use(scan, end, scan.EndBytes, scan.EndFooterOffset);
            if (scan.Footer.DiskType is VhdDiskType.Dynamic or VhdDiskType.Differencing
                && (!copyIntact || !scan.CopyBytes.AsSpan().SequenceEqual(scan.EndBytes)))
            {
                AddCopyMismatch(scan, copyIntact ? "differs from the footer at the end of the file" : $"is damaged ({Damage(copy)})");
            }

            return canContinue;
        }

        if (copyIntact && copy.DiskType is VhdDiskType.Dynamic or VhdDiskType.Differencing)
        {
            // The spec's recovery: the copy at offset 0 stands in for a lost end footer (readers that look only at
            // the end, Hyper-V among them, do not: repairable, and a warning since VhdKit reads the file).
            string message = string.Create(CultureInfo.InvariantCulture,
                $"The footer at the end of the file (offset 0x{scan.EndFooterOffset:X}) is missing or damaged ({Damage(end)}); the copy at offset 0 is intact and stands in for it. `vhd repair` rewrites it.");
            scan.EndMissingFault = faults.Add(FaultCode.EndFooterMissing, FaultSeverity.Warning, ImageScan.FooterStructure, scan.EndFooterOffset, message);
            scan.Notes.Add(message);
            return Use(scan, copy, scan.CopyBytes!, 0);
        }

        if (!end.HasValidCookie)
        {
            faults.Add(FaultCode.FooterCookie, FaultSeverity.Error, ImageScan.FooterStructure, scan.EndFooterOffset,
                FormatErrors.FieldMessage(ImageScan.FooterStructure, "Cookie", scan.EndFooterOffset, "\"conectix\"", "something else (no intact footer at the end or at offset 0)"));
            return false;
        }

        int checksum = faults.Add(FaultCode.FooterChecksum, FaultSeverity.Error, ImageScan.FooterStructure, scan.EndFooterOffset + FooterLayout.Checksum,
            FormatErrors.FieldMessage(ImageScan.FooterStructure, "Checksum", scan.EndFooterOffset + FooterLayout.Checksum,
                FormatErrors.Hex(end.ComputedChecksum), FormatErrors.Hex(end.Checksum)));
        bool next = Use(scan, end, scan.EndBytes, scan.EndFooterOffset);
        scan.FooterChecksumRepairable = scan.FooterFieldsValid;
        faults.SetRepairable(checksum, scan.FooterFieldsValid);
        if (scan.Footer.DiskType is VhdDiskType.Dynamic or VhdDiskType.Differencing && scan.CopyBytes is not null)
        {
            AddCopyMismatch(scan, copyIntact ? "differs from the footer at the end of the file" : $"is damaged ({Damage(copy)})");
        }

        return next;
    }

    /// <summary>Once the file's layout is known: a lost end footer can be rebuilt only where the data ends.</summary>
    public static void SetEndRepairability(ImageScan scan)
    {
        bool placeable = scan.FooterFieldsValid && scan.EndPlaceable;
        scan.Faults.SetRepairable(scan.EndMissingFault, placeable);
        scan.Faults.SetRepairable(scan.OrphanTailFault, placeable);
    }

    private static void AddCopyMismatch(ImageScan scan, string why)
    {
        scan.CopyRepairable = scan.FooterFieldsValid;
        // VhdKit reads the end footer; qemu reads the copy first: a warning, repairable.
        scan.Faults.Add(FaultCode.FooterCopyMismatch, FaultSeverity.Warning, ImageScan.FooterCopyStructure, 0,
            $"The footer copy at offset 0 {why}.", scan.FooterFieldsValid);
    }

    private static string Damage(VhdFooter footer) => !footer.HasValidCookie
        ? "its cookie is not \"conectix\""
        : string.Create(CultureInfo.InvariantCulture, $"its checksum is 0x{footer.Checksum:X8}, expected 0x{footer.ComputedChecksum:X8}");

    /// <summary>Takes <paramref name="footer"/> as the footer in effect and checks its fields; returns whether the layout can be followed.</summary>
    private static bool Use(ImageScan scan, VhdFooter footer, byte[] bytes, long offset)
    {
        scan.Footer = footer;
        scan.FooterBytes = bytes;
        scan.FooterOffset = offset;
        FaultList faults = scan.Faults;
        const string S = ImageScan.FooterStructure;
        bool valid = true;
        bool canContinue = true;

        void Error(FaultCode code, string field, int fieldOffset, string expected, string actual)
        {
            valid = false;
            faults.Add(code, FaultSeverity.Error, S, offset + fieldOffset, FormatErrors.FieldMessage(S, field, offset + fieldOffset, expected, actual));
        }

        void Warning(FaultCode code, string field, int fieldOffset, string expected, string actual) =>
            faults.Add(code, FaultSeverity.Warning, S, offset + fieldOffset, FormatErrors.FieldMessage(S, field, offset + fieldOffset, expected, actual));

        uint features = (uint)footer.Features;
        if ((features & (uint)FooterFeatures.Reserved) == 0 || (features & ~3u) != 0)
        {
            Warning(FaultCode.FooterFeatures, "Features", FooterLayout.Features, "bit 0x2 set and no bit but 0x1 and 0x2", FormatErrors.Hex(features));
        }

        if (footer.FormatVersion >> 16 != 1)
        {
            Error(FaultCode.FooterVersion, "FormatVersion", FooterLayout.FormatVersion, "major version 1 (0x00010000)", FormatErrors.Hex(footer.FormatVersion));
        }

        VhdDiskType type = footer.DiskType;
        if (type is not (VhdDiskType.Fixed or VhdDiskType.Dynamic or VhdDiskType.Differencing))
        {
            Error(FaultCode.FooterDiskType, "DiskType", FooterLayout.DiskType, "2 (fixed), 3 (dynamic) or 4 (differencing)", Number((uint)type));
            scan.FooterFieldsValid = false;
            return false;
        }

        if (type == VhdDiskType.Fixed && footer.HeaderOffset is not null)
        {
            Warning(FaultCode.FooterDataOffset, "DataOffset", FooterLayout.DataOffset, "all ones (a fixed disk has no header)", FormatErrors.Hex(footer.DataOffset));
        }
        else if (type != VhdDiskType.Fixed
                 && (footer.HeaderOffset is not { } header || header < VhdFooter.Size || header > (ulong)Math.Max(0, scan.DataLimit - DynamicHeader.Size)))
        {
            Error(FaultCode.FooterDataOffset, "DataOffset", FooterLayout.DataOffset,
                string.Create(CultureInfo.InvariantCulture, $"the offset of a 1024-byte header inside the {scan.Length}-byte file"), FormatErrors.Hex(footer.DataOffset));
            canContinue = false;
        }

        ulong size = footer.CurrentSize;
        ulong limit = type == VhdDiskType.Fixed ? (ulong)Math.Max(0, scan.EndFooterOffset) : (ulong)VhdConstants.MaximumDiskSize;
        if (size == 0 || size % VhdConstants.SectorSize != 0 || size > limit)
        {
            string what = type == VhdDiskType.Fixed ? "the data the fixed file holds" : "2040 GiB";
            Error(FaultCode.FooterCurrentSize, "CurrentSize", FooterLayout.CurrentSize,
                string.Create(CultureInfo.InvariantCulture, $"a non-zero multiple of 512 up to {limit} bytes ({what})"), Number(size));
            canContinue = false;
        }

        DiskGeometry geometry = footer.Geometry;
        if (!geometry.IsMaximum && (geometry.Heads > 16 || (ulong)geometry.CapacityInBytes > size))
        {
            // Only the size is read (the current size is authoritative); XenServer refuses such a footer.
            Warning(FaultCode.FooterGeometry, "Geometry", FooterLayout.Cylinders,
                string.Create(CultureInfo.InvariantCulture, $"65535/16/255, or at most 16 heads addressing at most the current size ({size} bytes)"),
                string.Create(CultureInfo.InvariantCulture, $"{geometry} ({geometry.CapacityInBytes} bytes)"));
        }

        if (footer.Timestamp > VhdTimestamp.Now() + (ulong)FutureTolerance)
        {
            Warning(FaultCode.FooterTimestampInFuture, "Timestamp", FooterLayout.Timestamp, "a time not in the future",
                footer.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
        }

        if (footer.SavedState != 0)
        {
            Warning(FaultCode.FooterSavedState, "SavedState", FooterLayout.SavedState, "0 (not saved)", Number(footer.SavedState));
        }

        int reserved = FirstNonZeroReserved(bytes);
        if (reserved >= 0)
        {
            Warning(FaultCode.FooterReserved, "Reserved", reserved, "zero (byte 85: 0 or 1)",
                string.Create(CultureInfo.InvariantCulture, $"0x{bytes[reserved]:X2} at byte {reserved}"));
        }

        scan.FooterFieldsValid = valid;
        return canContinue;
    }

    private static int FirstNonZeroReserved(byte[] bytes)
    {
        // blktap keeps a private "hidden" flag (0 or 1) in byte 85, the first reserved byte.
        if (bytes[FooterLayout.Reserved] > 1)
        {
            return FooterLayout.Reserved;
        }

        int index = bytes.AsSpan(FooterLayout.Reserved + 1).IndexOfAnyExcept((byte)0);
        return index < 0 ? -1 : FooterLayout.Reserved + 1 + index;
    }

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
