using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of MergeOperation: the work itself, with the seams tests and the automation API use.
public static partial class MergeOperation
{
    /// <summary>The first batch of a merge's flushes (and a VHD target's first allocation reservation).</summary>
    internal const long FirstBatch = 64L * 1024 * 1024;

    /// <summary>The largest batch: batches double from <see cref="FirstBatch"/> up to this (<see cref="MergeBatches"/>).</summary>
    private const long LargestBatch = 1024L * 1024 * 1024;

    /// <summary>The merge <see cref="MergeOperation"/> runs.</summary>
    internal static MergeResult Merge(MergeRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        string childPath = request.Child;
        MergeFormat format = MergeFormat.Of(childPath);
        (List<string> merged, string target) = Plan(format, childPath, request.Into);
        MergeJournal.Entry? pending = MergeJournal.Read(target);
        if (pending is not null && !pending.Merged.SequenceEqual(merged, StringComparer.Ordinal))
        {
            // Only the interrupted merge itself may run on a half-merged target: it is the one that completes it.
            throw new MergeInterruptedException(target, MergeJournal.Describe(target, pending) + " No other merge into it is started until then.");
        }

        if (request.DeleteMerged)
        {
            ThrowIfOtherChildren(format, merged);
        }

        // The layers to merge are opened read-only, one by one (not as a chain, which would hold the target too).
        long sizeBefore;
        Guid linkId;
        long bytes;
        using (MergeLayers layers = format.OpenLayers(merged))
        {
            using (MergeTarget targetImage = format.OpenTarget(target))
            {
                ThrowIfHeldPastEnd(layers.Layers, targetImage.Layer);
                sizeBefore = targetImage.FileLength;

                // The journal names the id the children knew the target by before the merge: a run that completes an
                // interrupted merge keeps the first run's (a VHDX target's DataWriteGuid changed with its first write).
                linkId = pending is { TargetId: var known } && known != Guid.Empty ? known : targetImage.LinkId;
                MergeJournal.Write(target, merged, linkId);
                bytes = Merge(layers.Layers, targetImage, progress, cancellationToken);
            }

            // The target is closed (its last metadata durable) before the journal goes.
            MergeJournal.Delete(target);
        }

        if (request.DeleteMerged)
        {
            merged.ForEach(File.Delete);
        }

        return new MergeResult(merged[0], target, [.. merged], bytes, sizeBefore, new FileInfo(target).Length,
            request.DeleteMerged ? [.. merged] : [], OtherChildren(format, target, linkId, merged))
        {
            Format = format.Format,
        };
    }

    /// <summary>
    /// The core: copies every run the <paramref name="layers"/> (leaf first, each a child of the next, the last a
    /// child of <paramref name="target"/>) hold into <paramref name="target"/>, then flushes it.
    /// </summary>
    /// <returns>The bytes copied.</returns>
    /// <exception cref="InvalidOperationException">A layer holds data past the target's end; nothing was written.</exception>
    /// <exception cref="IOException">Reading or writing failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    internal static long Merge(IReadOnlyList<VhdImage> layers, VhdImage target, IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default) => Merge(layers, target, FirstBatch, progress, cancellationToken);

    /// <summary>As the merge above, with a first batch of flushes of <paramref name="firstBatch"/> bytes (tests make it small so batches grow within a small disk).</summary>
    /// <inheritdoc cref="Merge(IReadOnlyList{VhdImage}, VhdImage, IProgress{OperationProgress}?, CancellationToken)"/>
    internal static long Merge(IReadOnlyList<VhdImage> layers, VhdImage target, long firstBatch, IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(target);
        return Merge([.. layers], new MergeTarget(target, target.UniqueId, target.WriteSectors, target.Flush, () => target.FileLength, NotOwned.Instance, target),
            progress, cancellationToken, firstBatch);
    }

    /// <summary>The same core for VHDX layers (differencing VHDX, leaf first) and a VHDX target open for writing.</summary>
    /// <inheritdoc cref="Merge(IReadOnlyList{VhdImage}, VhdImage, IProgress{OperationProgress}?, CancellationToken)"/>
    internal static long Merge(IReadOnlyList<VhdxImage> layers, VhdxImage target, IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(target);
        return Merge([.. layers], new MergeTarget(target, target.DataWriteGuid, target.WriteSectors, target.Flush, () => target.FileLength, NotOwned.Instance),
            progress, cancellationToken);
    }

    /// <summary>
    /// The one copy of a merge, whatever the format: the runs the layers decide (those they hold, and those a layer says
    /// read as zeros: a VHDX ZERO block hides what lies below it, so the target must read zeros there too) are
    /// written into the target, through its crash-safe write path, with flushes in batches that grow (<see cref="MergeBatches"/>)
    /// and one at the end. Zero runs the target already reads as zeros on its own are not written.
    /// </summary>
    private static long Merge(IDiskLayer[] layers, MergeTarget target, IProgress<OperationProgress>? progress, CancellationToken cancellationToken,
        long firstBatch = FirstBatch)
    {
        ThrowIfHeldPastEnd(layers, target.Layer);
        ImmutableArray<DiskExtent> extents = ZerosTheTargetLacks(LayerWalk.Decided(layers, target.Layer.Capacity), target.Layer);
        ChunkReader read = (chunk, offset) => LayerWalk.Read(layers, chunk, offset);
        var batches = new MergeBatches(target.Flush, target.Vhd, firstBatch, LargestBatch);
        long reservation = target.Vhd?.ReservationBytes ?? 0;
        batches.Start();
        long total;
        try
        {
            if (target.Vhd is { } vhd)
            {
                // Into a VHD, the runs the layers hold go file to file (copy_file_range, as cp copies), the zero runs a
                // layer decides through the buffer (BENCHMARKS.md, "Round five", branch mergecfr).
                using var copier = new MergeCopier(layers, vhd, CopyEngine.ChunkSize);
                total = CopyEngine.Copy(extents, read, target.WriteSectors, progress, cancellationToken, batches.Flush, batches.Step, copier.Copy);
            }
            else
            {
                // Reads overlapped with writes: 1.10x (ext4) and 1.14x (tmpfs) faster at 512 MiB, medians of 5 interleaved
                // before/after rounds on the loaded machine (BENCHMARKS.md, "Round four"); the children are read, the target written.
                total = CopyEngine.Copy(extents, read, target.WriteSectors, progress, cancellationToken, batches.Flush, batches.Step, overlap: true);
            }
        }
        finally
        {
            // A caller's image (the automation API's) keeps the reservation it had for its own later writes.
            if (target.Vhd is { } vhd)
            {
                vhd.ReservationBytes = reservation;
            }
        }

        target.Flush();
        return total;
    }

    /// <summary>
    /// <paramref name="decided"/> without the parts of its zero runs (layer -1) that <paramref name="target"/> reads as
    /// zeros on its own whatever its parents hold (a VHDX block that is ZERO, or not present in a disk without a parent).
    /// </summary>
    private static ImmutableArray<DiskExtent> ZerosTheTargetLacks(ImmutableArray<DiskExtent> decided, IDiskLayer target)
    {
        var extents = ImmutableArray.CreateBuilder<DiskExtent>(decided.Length);
        foreach (DiskExtent extent in decided)
        {
            if (extent.IsAllocated)
            {
                extents.Add(extent);
                continue;
            }

            long end = extent.Offset + extent.Length;
            for (long offset = extent.Offset; offset < end;)
            {
                LayerRun run = target.Locate(offset, end - offset, out _, out long length);
                if (run != LayerRun.Zero && extents.Count > 0 && !extents[^1].IsAllocated && extents[^1].Offset + extents[^1].Length == offset)
                {
                    extents[^1] = extents[^1] with { Length = extents[^1].Length + length };
                }
                else if (run != LayerRun.Zero)
                {
                    extents.Add(new DiskExtent(offset, length, -1));
                }

                offset += length;
            }
        }

        return extents.ToImmutable();
    }

    /// <summary>The merged images (leaf first) and the target: the chain down to <paramref name="into"/>, or the child's parent.</summary>
    private static (List<string> Merged, string Target) Plan(MergeFormat format, string childPath, string? into)
    {
        List<string> chain = format.Chain(childPath);
        int targetIndex = 1;
        if (into is not null)
        {
            string wanted = Path.GetFullPath(into);
            targetIndex = chain.IndexOf(wanted);
            if (targetIndex <= 0)
            {
                throw new ArgumentException(NotAnAncestor(format, wanted, Path.GetFullPath(childPath), chain), nameof(into));
            }
        }

        return (chain[..targetIndex], chain[targetIndex]);
    }

    /// <summary>Why <paramref name="wanted"/> cannot be merged into: another format than the chain's (a chain never mixes them), or not in the chain.</summary>
    private static string NotAnAncestor(MergeFormat format, string wanted, string child, List<string> chain)
    {
        ImageFormat other = format.Format;
        try
        {
            other = LocalFile.IsRegularFile(wanted, 1, out _) ? ImageFormatProbe.Detect(wanted) : other;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable: it is no ancestor either way.
        }

        return other != format.Format && other is ImageFormat.Vhd or ImageFormat.Vhdx
            ? $"{wanted} is {ImageFormatNames.Describe(other)} and {child} {ImageFormatNames.Describe(format.Format)}: a merge stays within one format, as a chain does (Hyper-V does not mix VHD and VHDX either); nothing was changed. Convert the chain first (vhd convert -O {ImageFormatNames.NameOf(other)})."
            : $"{wanted} is not an ancestor of {child} (its chain: {string.Join(" -> ", chain)}).";
    }

    /// <summary>
    /// Refuses a merge that would drop data: a layer larger than the target (XenServer grows a leaf; a resize in
    /// another folder can too) that holds sectors past the target's end. Sectors the layers do not hold there read
    /// as zeros and are no loss.
    /// </summary>
    private static void ThrowIfHeldPastEnd(IDiskLayer[] layers, IDiskLayer target)
    {
        long end = target.Capacity;
        foreach (IDiskLayer layer in layers)
        {
            if (layer.Capacity <= end)
            {
                continue;
            }

            // Only the part past the target's end is walked, run by run.
            for (long offset = end; offset < layer.Capacity;)
            {
                if (layer.Locate(offset, layer.Capacity - offset, out _, out long length) == LayerRun.Held)
                {
                    long needed = layer.Capacity;
                    throw new InvalidOperationException(
                        $"{layer.Path} ({needed} bytes) holds data at bytes {offset}..{offset + length - 1}, past the end of {target.Path} ({end} bytes); merging would lose it, so nothing was changed. The target must first grow to {needed} bytes, as `vhd resize --size {needed} {target.Path}` would do (it refuses while the target has children beside it, this one included), then the merge can run.");
                }

                offset += length;
            }
        }
    }

    /// <summary>Refuses to delete a merged image that other images beside it (not merged with it) have as their parent.</summary>
    private static void ThrowIfOtherChildren(MergeFormat format, List<string> merged)
    {
        foreach (string path in merged)
        {
            if (format.FindChildren(path, format.LinkIdOf(path), merged) is { Count: > 0 } children)
            {
                throw new InvalidOperationException(
                    $"{path} is the parent of {string.Join(", ", children)}; deleting it after the merge would break them, so nothing was changed. Merge without --delete-child, or merge or delete those children first.");
            }
        }
    }

    private static ImmutableArray<string> OtherChildren(MergeFormat format, string target, Guid linkId, List<string> merged) =>
        [.. format.FindChildren(target, linkId, merged).Select(child => format.OtherChildChanged(child, target))];

    /// <summary>An image the caller owns: the core's target does not close it.</summary>
    private sealed class NotOwned : IDisposable
    {
        public static NotOwned Instance { get; } = new();

        public void Dispose()
        {
        }
    }
}
