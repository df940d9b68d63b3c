using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of MergeOperation: the work itself, with the seams tests and the automation API use.
public static partial class MergeOperation
{
    private const long FlushEvery = 64L * 1024 * 1024;

    /// <summary>The merge <see cref="MergeOperation"/> runs.</summary>
    internal static MergeResult Merge(MergeRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        string childPath = request.Child;
        (List<string> merged, string target) = Plan(childPath, request.Into);
        if (MergeJournal.Read(target) is { } pending && !pending.Merged.SequenceEqual(merged, StringComparer.Ordinal))
        {
            // Only the interrupted merge itself may run on a half-merged target: it is the one that completes it.
            throw new MergeInterruptedException(target, MergeJournal.Describe(target, pending) + " No other merge into it is started until then.");
        }

        if (request.DeleteMerged)
        {
            ThrowIfOtherChildren(merged);
        }

        // The layers to merge are opened read-only, one by one (not as a chain, which would hold the target too).
        var layers = new List<VhdImage>();
        try
        {
            foreach (string path in merged)
            {
                layers.Add(VhdImage.Open(path));
            }

            using VhdImage targetImage = VhdImage.Open(target, new VhdOpenOptions { Writable = true });
            ThrowIfHeldPastEnd(layers, targetImage);
            long sizeBefore = targetImage.FileLength;
            MergeJournal.Write(target, merged, targetImage.UniqueId);
            long bytes = Merge(layers, targetImage, progress, cancellationToken);
            MergeJournal.Delete(target);
            foreach (VhdImage layer in layers)
            {
                layer.Dispose();
            }

            layers.Clear();
            if (request.DeleteMerged)
            {
                merged.ForEach(File.Delete);
            }

            return new MergeResult(merged[0], target, [.. merged], bytes, sizeBefore, targetImage.FileLength,
                request.DeleteMerged ? [.. merged] : [], OtherChildren(target, targetImage.UniqueId, merged));
        }
        finally
        {
            layers.ForEach(l => l.Dispose());
        }
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
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(target);
        VhdImage[] layerSpan = [.. layers];
        ThrowIfHeldPastEnd(layerSpan, target);
        ImmutableArray<DiskExtent> extents = LayerWalk.Extents(layerSpan, target.Capacity, allocatedOnly: true);
        // Reads overlapped with writes: 1.10x (ext4) and 1.14x (tmpfs) faster at 512 MiB, medians of 5 interleaved
        // before/after rounds on the loaded machine (BENCHMARKS.md, "Round four"); the children are read, the target written.
        long total = CopyEngine.Copy(extents, (chunk, offset) => LayerWalk.Read(layerSpan, chunk, offset), target.WriteSectors,
            progress, cancellationToken, target.Flush, FlushEvery, overlap: true);
        target.Flush();
        return total;
    }

    private static (List<string> Merged, string Target) Plan(string childPath, string? into)
    {
        using VhdChain chain = VhdChain.Open(childPath);
        if (chain.Leaf.DiskType != VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(Path.GetFullPath(childPath), chain.Leaf.DiskType, "merging");
        }

        int targetIndex = 1;
        if (into is not null)
        {
            string wanted = Path.GetFullPath(into);
            targetIndex = chain.Links.Select((l, i) => (Path: Path.GetFullPath(l.Image.Path), Index: i))
                .FirstOrDefault(x => x.Index > 0 && x.Path == wanted).Index;
            if (targetIndex == 0)
            {
                throw new ArgumentException($"{wanted} is not an ancestor of {Path.GetFullPath(childPath)} (its chain: {string.Join(" -> ", chain.Links.Select(l => l.Image.Path))}).", nameof(into));
            }
        }

        List<string> merged = [.. chain.Links.Take(targetIndex).Select(l => Path.GetFullPath(l.Image.Path))];
        return (merged, Path.GetFullPath(chain.Links[targetIndex].Image.Path));
    }

    /// <summary>
    /// Refuses a merge that would drop data: a layer larger than the target (XenServer grows a leaf; a resize in
    /// another folder can too) that holds sectors past the target's end. Sectors the layers do not hold there read
    /// as zeros and are no loss.
    /// </summary>
    private static void ThrowIfHeldPastEnd(IReadOnlyList<VhdImage> layers, VhdImage target)
    {
        long end = target.Capacity;
        foreach (VhdImage layer in layers)
        {
            if (layer.Capacity <= end)
            {
                continue;
            }

            // Only the part past the target's end is walked, run by run.
            for (long offset = end; offset < layer.Capacity;)
            {
                if (layer.Map(offset, layer.Capacity - offset, out _, out long length))
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
    private static void ThrowIfOtherChildren(List<string> merged)
    {
        foreach (string path in merged)
        {
            Guid id;
            using (VhdImage image = VhdImage.Open(path))
            {
                id = image.UniqueId;
            }

            if (ChildrenBeside.Find(path, id, merged) is { Count: > 0 } children)
            {
                throw new InvalidOperationException(
                    $"{path} is the parent of {string.Join(", ", children)}; deleting it after the merge would break them, so nothing was changed. Merge without --delete-child, or merge or delete those children first.");
            }
        }
    }

    private static ImmutableArray<string> OtherChildren(string target, Guid targetId, List<string> merged) =>
        [.. ChildrenBeside.Find(target, targetId, merged).Select(child =>
            $"{child} is another child of {target}; the merge changed its parent, so its content is no longer what it was.")];
}
