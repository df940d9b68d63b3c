using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Fixes the faults <see cref="VhdChecker"/> marks repairable, and nothing else: it never guesses data. It rebuilds
/// a lost or damaged end footer from the copy at offset 0 (and the copy from the end footer), recomputes footer
/// and header checksums when every other field of the structure is valid, clears BAT entries that name blocks
/// wholly outside the file, and cuts orphan tails (keeping the footer).
/// </summary>
/// <remarks>
/// The order, each step flushed (fsync) before the next, so that a crash at any point leaves a file that opens
/// (at worst with the faults not yet fixed):
/// <list type="number">
/// <item>BAT entries naming blocks outside the file are cleared, 4 bytes each (they read nothing valid before).</item>
/// <item>The dynamic header's checksum field is rewritten (4 bytes; nothing else of the header changes).</item>
/// <item>The footer copy at offset 0 is rewritten from the good footer, while the end footer is still intact or
/// was already unusable.</item>
/// <item>The end footer is written last: at the end of the data (over the orphan tail, which no BAT entry names),
/// flushed, then the file is cut just after it. Until the cut, the copy at 0 (or the old end footer) still
/// describes the image.</item>
/// </list>
/// Every write is in place and small, so no temporary copy of the file is needed. Afterwards
/// <see cref="VhdChecker.Check(string, CheckOptions?)"/> finds none of the repaired faults.
/// </remarks>
public static class VhdRepairer
{
    /// <summary>Repairs the VHD at <paramref name="path"/> in place.</summary>
    /// <param name="path">The file.</param>
    /// <param name="dryRun">List what would be done without opening the file for writing.</param>
    /// <returns>The actions taken (or, in a dry run, that would be), in order; empty when nothing is repairable.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageInUseException">Another process has the file open for writing (not in a dry run).</exception>
    /// <exception cref="IOException">The file cannot be read or written.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static ImmutableArray<RepairAction> Repair(string path, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStorage storage;
        try
        {
            storage = dryRun
                ? FileStorage.Open(path, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)
                : FileStorage.Open(path, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (ImageInUseException.IsSharingViolation(e))
        {
            throw new ImageInUseException(path, e);
        }

        using (storage)
        {
            return Repair(storage, dryRun);
        }
    }

    /// <summary>Repairs the VHD held by <paramref name="storage"/>; see <see cref="Repair(string, bool)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotSupportedException">Not a dry run, and the storage is read-only.</exception>
    /// <exception cref="IOException">The storage cannot be read or written.</exception>
    public static ImmutableArray<RepairAction> Repair(IPositionalStorage storage, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (!dryRun && !storage.CanWrite)
        {
            throw new NotSupportedException($"{storage.Name} is open read-only.");
        }

        ImageScan scan = ImageScan.Run(storage);
        var actions = ImmutableArray.CreateBuilder<RepairAction>();
        ClearBatEntries(scan, actions, dryRun);
        FixHeaderChecksum(scan, actions, dryRun);
        WriteFooters(scan, actions, dryRun);
        return actions.ToImmutable();
    }

    private static void ClearBatEntries(ImageScan scan, ImmutableArray<RepairAction>.Builder actions, bool dryRun)
    {
        if (scan.BlocksOutsideFile.Count == 0)
        {
            return;
        }

        Span<byte> unallocated = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(unallocated, BlockAllocationTable.Unallocated);
        long table = (long)scan.Header!.Value.TableOffset;
        foreach (int block in scan.BlocksOutsideFile)
        {
            long offset = table + (block * 4L);
            actions.Add(new RepairAction(RepairActionKind.ClearBatEntry, offset, string.Create(CultureInfo.InvariantCulture,
                $"Clear BAT entry {block} at 0x{offset:X}: it names a block outside the file (the block reads as never written)")));
            if (!dryRun)
            {
                scan.Storage.Write(unallocated, offset);
            }
        }

        Flush(scan, dryRun);
    }

    private static void FixHeaderChecksum(ImageScan scan, ImmutableArray<RepairAction>.Builder actions, bool dryRun)
    {
        if (!scan.HeaderChecksumRepairable)
        {
            return;
        }

        DynamicHeader header = scan.Header!.Value;
        long offset = scan.HeaderOffset + DynamicHeaderLayout.Checksum;
        actions.Add(new RepairAction(RepairActionKind.FixHeaderChecksum, offset, string.Create(CultureInfo.InvariantCulture,
            $"Write the dynamic header's checksum 0x{header.ComputedChecksum:X8} at 0x{offset:X} (was 0x{header.Checksum:X8})")));
        if (!dryRun)
        {
            Span<byte> value = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(value, header.ComputedChecksum);
            scan.Storage.Write(value, offset);
            Flush(scan, dryRun);
        }
    }

    private static void WriteFooters(ImageScan scan, ImmutableArray<RepairAction>.Builder actions, bool dryRun)
    {
        if (scan.FooterBytes is null || !scan.FooterFieldsValid)
        {
            return;
        }

        // The good footer: the one in effect, its checksum recomputed when that is the fault.
        byte[] good = (byte[])scan.FooterBytes.Clone();
        if (scan.FooterChecksumRepairable)
        {
            BinaryPrimitives.WriteUInt32BigEndian(good.AsSpan(FooterLayout.Checksum), scan.Footer.ComputedChecksum);
            actions.Add(new RepairAction(RepairActionKind.FixFooterChecksum, scan.FooterOffset + FooterLayout.Checksum, string.Create(CultureInfo.InvariantCulture,
                $"Recompute the footer's checksum: 0x{scan.Footer.ComputedChecksum:X8} (was 0x{scan.Footer.Checksum:X8})")));
        }

        if (scan.Footer.DiskType == VhdDiskType.Fixed)
        {
            if (scan.FooterChecksumRepairable)
            {
                Write(scan, good.AsSpan(0, scan.EndFooterLength), scan.EndFooterOffset, dryRun);
            }

            return;
        }

        if (scan.CopyRepairable || (scan.FooterChecksumRepairable && scan.CopyBytes is not null))
        {
            actions.Add(new RepairAction(RepairActionKind.WriteFooterCopy, 0, "Rewrite the footer copy at offset 0 from the good footer"));
            Write(scan, good, 0, dryRun);
        }

        bool endFaulty = scan.EndMissingFault >= 0 || scan.OrphanTailFault >= 0 || scan.FooterChecksumRepairable;
        if (!endFaulty)
        {
            return;
        }

        if (!scan.EndPlaceable)
        {
            // Where the data ends is unknown (the BAT could not be followed), or a BAT entry names bytes past it (a
            // block that runs past the end of a cut-short file): nothing is cut; only a checksum is fixed, in place.
            if (scan.FooterChecksumRepairable)
            {
                Write(scan, good.AsSpan(0, scan.EndFooterLength), scan.EndFooterOffset, dryRun);
            }

            return;
        }

        long at = scan.DataEnd;
        actions.Add(new RepairAction(RepairActionKind.WriteEndFooter, at, string.Create(CultureInfo.InvariantCulture,
            $"Write the end footer at 0x{at:X}, where the data ends, and cut the file to {at + VhdFooter.Size} bytes (was {scan.Length})")));
        Write(scan, good, at, dryRun);
        if (!dryRun && scan.Storage.Length != at + VhdFooter.Size)
        {
            scan.Storage.SetLength(at + VhdFooter.Size);
            scan.Storage.Flush();
        }
    }

    private static void Write(ImageScan scan, ReadOnlySpan<byte> bytes, long offset, bool dryRun)
    {
        if (!dryRun)
        {
            scan.Storage.Write(bytes, offset);
            scan.Storage.Flush();
        }
    }

    private static void Flush(ImageScan scan, bool dryRun)
    {
        if (!dryRun)
        {
            scan.Storage.Flush();
        }
    }
}
