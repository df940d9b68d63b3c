using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The VHDX half of RepairOperation: planned from the facts of VhdxScan, written only through VhdxEditor.
public static partial class RepairOperation
{
    /// <summary>
    /// Repairs the VHDX held by <paramref name="storage"/>, in three steps, each flushed before the next:
    /// <list type="number">
    /// <item>The editor opens the file: a pending log is replayed into it and LogGuid cleared, and both headers are
    /// rewritten (a damaged copy among them) with the current header's GUIDs (a new FileWriteGuid; the DataWriteGuid
    /// kept, so children still link to the file).</item>
    /// <item>A damaged region table copy (or one that differs) is rewritten from the copy in effect.</item>
    /// <item>BAT entries of payload blocks wholly outside the file are cleared (NOT_PRESENT), through the log.</item>
    /// </list>
    /// Nothing stored is lost: a pending log is what readers replay anyway, a damaged copy was used by no reader, and
    /// a block outside the file holds nothing (it read as an error; it now reads as zeros, or the parent's sectors in
    /// a differencing disk).
    /// </summary>
    private static ImmutableArray<RepairAction> RepairVhdx(IPositionalStorage storage, bool dryRun, IProgress<OperationProgress>? progress,
        CancellationToken cancellationToken)
    {
        VhdxScan scan = VhdxScan.Run(storage);
        var actions = ImmutableArray.CreateBuilder<RepairAction>();
        const int Steps = 3;
        if (!scan.HeaderUsable || scan.LogUnreplayable)
        {
            // No header a writer may use, or a log that cannot be applied: nothing is repairable.
            return actions.ToImmutable();
        }

        bool regions = scan.DamagedRegionTable != 0;
        bool bat = scan.EntriesOutsideFile.Count > 0;
        if (scan.DamagedHeader == 0 && scan.Header.LogGuid == Guid.Empty && !regions && !bat)
        {
            return actions.ToImmutable();
        }

        cancellationToken.ThrowIfCancellationRequested();
        DescribeOpening(scan, actions);
        VhdxEditor? editor = dryRun ? null : VhdxEditor.Open(storage);
        progress?.Report(new OperationProgress(1, Steps));

        cancellationToken.ThrowIfCancellationRequested();
        if (regions)
        {
            RewriteRegionTable(scan, actions, editor);
        }

        progress?.Report(new OperationProgress(2, Steps));
        cancellationToken.ThrowIfCancellationRequested();
        if (bat)
        {
            ClearOutsideEntries(scan, actions, editor);
        }

        editor?.Close();
        progress?.Report(new OperationProgress(Steps, Steps));
        return actions.ToImmutable();
    }

    private static void DescribeOpening(VhdxScan scan, ImmutableArray<RepairAction>.Builder actions)
    {
        VhdxHeader header = scan.Header;
        if (scan.Replay is { } replay)
        {
            actions.Add(new RepairAction(RepairActionKind.ReplayVhdxLog, (long)header.LogOffset, string.Create(CultureInfo.InvariantCulture,
                $"Apply the log's {replay.EntryCount} pending entr{(replay.EntryCount == 1 ? "y" : "ies")} (sequence {replay.FirstSequence} to {replay.LastSequence}, {replay.Writes.Count} writes) to the file and clear LogGuid: the content is what every reader replays anyway; nothing is lost")));
        }
        else if (header.LogGuid != Guid.Empty)
        {
            actions.Add(new RepairAction(RepairActionKind.ReplayVhdxLog, (long)header.LogOffset, string.Create(CultureInfo.InvariantCulture,
                $"Clear LogGuid {header.LogGuid}: the log holds no complete entry, so nothing is applied and nothing is lost")));
        }

        if (scan.DamagedHeader != 0)
        {
            long at = VhdxHeaderChecks.OffsetOf(scan.DamagedHeader);
            actions.Add(new RepairAction(RepairActionKind.RewriteVhdxHeader, at, string.Create(CultureInfo.InvariantCulture,
                $"Rewrite header {scan.DamagedHeader} at 0x{at:X} from the current header {scan.CurrentHeader} (sequence {header.SequenceNumber}): the damaged copy was used by no reader, so nothing is lost")));
        }
    }

    private static void RewriteRegionTable(VhdxScan scan, ImmutableArray<RepairAction>.Builder actions, VhdxEditor? editor)
    {
        int bad = scan.DamagedRegionTable;
        int good = scan.RegionCopy;
        long at = bad == 1 ? VhdxLayout.RegionTable1Offset : VhdxLayout.RegionTable2Offset;
        actions.Add(new RepairAction(RepairActionKind.RewriteVhdxRegionTable, at, string.Create(CultureInfo.InvariantCulture,
            $"Rewrite region table {bad} at 0x{at:X} from table {good}, the one readers use: nothing is lost")));
        if (editor is not null)
        {
            // The good copy's own bytes (unknown optional regions and reserved bits kept), read after the log was applied.
            byte[] table = new byte[VhdxRegionTable.Size];
            scan.File.ReadExactly(table, good == 1 ? VhdxLayout.RegionTable1Offset : VhdxLayout.RegionTable2Offset, "VHDX region table");
            editor.RewriteRegionTable(bad, table);
        }
    }

    /// <summary>Clears the entries of payload blocks wholly outside the file: each BAT sector holding one is written once, through the log.</summary>
    private static void ClearOutsideEntries(VhdxScan scan, ImmutableArray<RepairAction>.Builder actions, VhdxEditor? editor)
    {
        long batAt = (long)scan.Regions.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        string reads = scan.Metadata!.FileParameters.HasParent ? "the parent's sectors" : "zeros";
        var sectors = new SortedDictionary<long, List<long>>();
        foreach (long index in scan.EntriesOutsideFile)
        {
            long offset = batAt + (index * VhdxBatEntry.Size);
            var entry = new VhdxBatEntry(scan.Bat![index]);
            actions.Add(new RepairAction(RepairActionKind.ClearBatEntry, offset, string.Create(CultureInfo.InvariantCulture,
                $"Clear BAT entry {index} at 0x{offset:X} (state {(int)entry.State}, block at 0x{entry.FileOffset:X}): its block lies wholly outside the file, so nothing of it is there to lose; it now reads as {reads} instead of failing")));
            long sector = offset / VhdxLayout.LogSectorSize * VhdxLayout.LogSectorSize;
            if (!sectors.TryGetValue(sector, out List<long>? entries))
            {
                sectors[sector] = entries = [];
            }

            entries.Add(offset);
        }

        if (editor is null)
        {
            return;
        }

        var writes = new List<LogWrite>(sectors.Count);
        foreach ((long sector, List<long> offsets) in sectors)
        {
            byte[] bytes = new byte[VhdxLayout.LogSectorSize];
            scan.File.ReadExactly(bytes, sector, "VHDX BAT");
            foreach (long offset in offsets)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)(offset - sector)), VhdxBatEntry.Create(VhdxBlockState.NotPresent, 0).Raw);
            }

            writes.Add(new LogWrite(sector, bytes.Length, bytes));
        }

        editor.WriteMetadata(writes);
    }
}
