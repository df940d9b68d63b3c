using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of RepairOperation: the work itself, with the seams tests and the automation API use.
public static partial class RepairOperation
{
    /// <summary>The repair <see cref="RepairOperation"/> runs; cancellation is honoured between the steps (see <see cref="Repair(IPositionalStorage, bool, IProgress{OperationProgress}?, CancellationToken)"/>).</summary>
    internal static ImmutableArray<RepairAction> Repair(string path, bool dryRun, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
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
            return Repair(storage, dryRun, progress, cancellationToken);
        }
    }

    /// <summary>Repairs the VHD held by <paramref name="storage"/>; see <see cref="RepairOperation"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> is <see langword="null"/>.</exception>
    /// <exception cref="NotSupportedException">Not a dry run, and the storage is read-only.</exception>
    /// <exception cref="IOException">The storage cannot be read or written.</exception>
    internal static ImmutableArray<RepairAction> Repair(IPositionalStorage storage, bool dryRun = false) => Repair(storage, dryRun, null, CancellationToken.None);

    /// <summary>
    /// As <see cref="Repair(IPositionalStorage, bool)"/>, reporting steps done of three (BAT entries, header
    /// checksum, footers) and honouring cancellation before each step: each step is complete and flushed before the
    /// next begins, so a cancelled repair leaves a file that opens if it did before, with the later faults not yet fixed.
    /// </summary>
    internal static ImmutableArray<RepairAction> Repair(IPositionalStorage storage, bool dryRun, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(storage);
        if (!dryRun && !storage.CanWrite)
        {
            throw new NotSupportedException($"{storage.Name} is open read-only.");
        }

        if (CheckOperation.IsVhdx(storage))
        {
            return RepairVhdx(storage, dryRun, progress, cancellationToken);
        }

        ImageScan scan = ImageScan.Run(storage);
        var actions = ImmutableArray.CreateBuilder<RepairAction>();
        MetadataEditor? editor = dryRun || scan.FooterBytes is null ? null : EditorFor(scan);
        const int Steps = 3;
        cancellationToken.ThrowIfCancellationRequested();
        ClearBatEntries(scan, actions, editor);
        progress?.Report(new OperationProgress(1, Steps));
        cancellationToken.ThrowIfCancellationRequested();
        FixHeaderChecksum(scan, actions, editor);
        progress?.Report(new OperationProgress(2, Steps));
        cancellationToken.ThrowIfCancellationRequested();
        WriteFooters(scan, actions, editor);
        progress?.Report(new OperationProgress(Steps, Steps));
        return actions.ToImmutable();
    }

    /// <summary>The editor over the facts the scan established (the file may not open, so not from a <see cref="VhdImage"/>).</summary>
    private static MetadataEditor EditorFor(ImageScan scan) => new(
        scan.Storage,
        scan.FooterOffset,
        scan.FooterSource == FooterSource.End,
        scan.Header is null ? null : scan.HeaderOffset,
        Math.Max(scan.Length, scan.NamedEnd));

    private static void ClearBatEntries(ImageScan scan, ImmutableArray<RepairAction>.Builder actions, MetadataEditor? editor)
    {
        if (scan.BlocksOutsideFile.Count == 0)
        {
            return;
        }

        long table = (long)scan.Header!.Value.TableOffset;
        foreach (int block in scan.BlocksOutsideFile)
        {
            long offset = table + (block * 4L);
            actions.Add(new RepairAction(RepairActionKind.ClearBatEntry, offset, string.Create(CultureInfo.InvariantCulture,
                $"Clear BAT entry {block} at 0x{offset:X}: it names a block outside the file (the block reads as never written)")));
        }

        editor?.ClearBatEntries(scan.BlocksOutsideFile);
    }

    private static void FixHeaderChecksum(ImageScan scan, ImmutableArray<RepairAction>.Builder actions, MetadataEditor? editor)
    {
        if (!scan.HeaderChecksumRepairable)
        {
            return;
        }

        DynamicHeader header = scan.Header!.Value;
        long offset = scan.HeaderOffset + DynamicHeaderLayout.Checksum;
        actions.Add(new RepairAction(RepairActionKind.FixHeaderChecksum, offset, string.Create(CultureInfo.InvariantCulture,
            $"Write the dynamic header's checksum 0x{header.ComputedChecksum:X8} at 0x{offset:X} (was 0x{header.Checksum:X8})")));
        editor?.FixHeaderChecksum();
    }

    /// <summary>
    /// The editor's footer order: the end footer first (where the data ends, cutting an orphan tail; in place when
    /// the end cannot be placed), flushed; then the copy at offset 0, flushed.
    /// </summary>
    private static void WriteFooters(ImageScan scan, ImmutableArray<RepairAction>.Builder actions, MetadataEditor? editor)
    {
        if (scan.FooterBytes is null || !scan.FooterFieldsValid)
        {
            return;
        }

        // The good footer: the one in effect, its checksum recomputed when that is the fault.
        if (scan.FooterChecksumRepairable)
        {
            actions.Add(new RepairAction(RepairActionKind.FixFooterChecksum, scan.FooterOffset + FooterLayout.Checksum, string.Create(CultureInfo.InvariantCulture,
                $"Recompute the footer's checksum: 0x{scan.Footer.ComputedChecksum:X8} (was 0x{scan.Footer.Checksum:X8})")));
            editor?.RecomputeFooterChecksum();
        }

        bool fixedDisk = scan.Footer.DiskType == VhdDiskType.Fixed;
        bool endFaulty = scan.FooterChecksumRepairable || (!fixedDisk && (scan.EndMissingFault >= 0 || scan.OrphanTailFault >= 0));
        if (endFaulty && !fixedDisk && scan.EndPlaceable)
        {
            long at = scan.DataEnd;
            long length = at + VhdFooter.Size;
            actions.Add(new RepairAction(RepairActionKind.WriteEndFooter, at, length == scan.Length
                ? string.Create(CultureInfo.InvariantCulture, $"Rewrite the end footer at 0x{at:X}, where the data ends (the file keeps its {length} bytes)")
                : string.Create(CultureInfo.InvariantCulture, $"Write the end footer at 0x{at:X}, where the data ends, and cut the file to {length} bytes (was {scan.Length})")));
            editor?.WriteEndFooterAt(at);
        }
        else if (scan.FooterChecksumRepairable)
        {
            // A fixed disk, or a file whose end cannot be placed (the BAT could not be followed, or an entry names
            // bytes past the data): only the checksum is fixed, in place; nothing is cut.
            editor?.WriteEndFooterAt(scan.EndFooterOffset);
        }

        if (!fixedDisk && (scan.CopyRepairable || (scan.FooterChecksumRepairable && scan.CopyBytes is not null)))
        {
            actions.Add(new RepairAction(RepairActionKind.WriteFooterCopy, 0, "Rewrite the footer copy at offset 0 from the good footer"));
            editor?.RewriteFooterCopy();
        }
    }
}
