using System.Buffers;
using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Merges a differencing disk into its parent (or an ancestor further up, with the layers between in one pass),
/// like qemu-img commit and Hyper-V's Merge-VHD. Only the sectors the merged layers hold are copied, in runs.
/// </summary>
/// <remarks>
/// Interruption (crash, kill, full disk, cancel) is safe and a re-run completes the merge:
/// <list type="number">
/// <item>A journal file <c>TARGET.merge</c> naming the child is written and flushed before the target changes.</item>
/// <item>Runs are copied into the target through its crash-safe write path (<see cref="VhdImage.WriteSectors"/>,
/// with flushes every 64 MiB and at the end). The merged layers are only read, so the child stays valid and
/// unchanged, and the chain through it reads the same before, during and after the merge: it holds every sector
/// being copied. The target stays a valid image at every point (its own write order).</item>
/// <item>The journal is deleted once the target is flushed; then, if asked, the merged files are deleted.</item>
/// </list>
/// Copying the same sectors again is harmless, so running the same merge after an interruption completes it.
/// While the journal exists, the target's own content (seen without the child) is partly merged.
/// </remarks>
public static class DiskMerger
{
    private const int Chunk = 1024 * 1024;
    private const long FlushEvery = 64L * 1024 * 1024;

    /// <summary>The journal beside a target while a merge into it is under way.</summary>
    public static string JournalPath(string target) => target + ".merge";

    /// <summary>Merges <paramref name="childPath"/> into its parent, or into <see cref="MergeOptions.Into"/>.</summary>
    /// <exception cref="WrongImageTypeException">The child is not a differencing disk.</exception>
    /// <exception cref="ParentResolutionException">A parent cannot be found or has the wrong id.</exception>
    /// <exception cref="ArgumentException"><see cref="MergeOptions.Into"/> is not an ancestor of the child.</exception>
    /// <exception cref="ImageInUseException">The target is open elsewhere (or is read by another chain).</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only.</exception>
    /// <exception cref="IOException">Reading or writing failed; the merge can be run again.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the merge can be run again.</exception>
    public static MergeResult Merge(string childPath, MergeOptions? options = null, IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(childPath);
        options ??= MergeOptions.Default;
        (List<string> merged, string target) = Plan(childPath, options);

        // The layers to merge are opened read-only, one by one (not as a chain, which would hold the target too).
        var layers = new List<VhdImage>();
        try
        {
            foreach (string path in merged)
            {
                layers.Add(VhdImage.Open(path));
            }

            using VhdImage targetImage = VhdImage.Open(target, new VhdOpenOptions { Writable = true });
            string journal = JournalPath(target);
            WriteJournal(journal, merged, targetImage.UniqueId);
            long bytes = Merge(layers, targetImage, progress, cancellationToken);
            File.Delete(journal);
            foreach (VhdImage layer in layers)
            {
                layer.Dispose();
            }

            layers.Clear();
            if (options.DeleteMerged)
            {
                merged.ForEach(File.Delete);
            }

            return new MergeResult(target, [.. merged], bytes, options.DeleteMerged, OtherChildren(target, targetImage.UniqueId, merged));
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
    /// <exception cref="IOException">Reading or writing failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static long Merge(IReadOnlyList<VhdImage> layers, VhdImage target, IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(target);
        VhdImage[] layerSpan = [.. layers];
        ImmutableArray<DiskExtent> extents = HeldExtents(layerSpan, target.Capacity);
        long total = 0;
        foreach (DiskExtent extent in extents)
        {
            total += extent.Length;
        }

        long done = 0;
        long sinceFlush = 0;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            foreach (DiskExtent extent in extents)
            {
                for (long offset = extent.Offset; offset < extent.Offset + extent.Length;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int count = (int)Math.Min(extent.Offset + extent.Length - offset, Chunk - (offset % Chunk));
                    Span<byte> chunk = buffer.AsSpan(0, count);
                    LayerWalk.Read(layerSpan, chunk, offset);
                    target.WriteSectors(chunk, offset);
                    offset += count;
                    done += count;
                    sinceFlush += count;
                    if (sinceFlush >= FlushEvery)
                    {
                        target.Flush();
                        sinceFlush = 0;
                    }

                    progress?.Report(new OperationProgress(done, total));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        target.Flush();
        progress?.Report(new OperationProgress(total, total));
        return total;
    }

    private static (List<string> Merged, string Target) Plan(string childPath, MergeOptions options)
    {
        using VhdChain chain = VhdChain.Open(childPath);
        if (chain.Leaf.DiskType != VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(Path.GetFullPath(childPath), chain.Leaf.DiskType, "merging");
        }

        int targetIndex = 1;
        if (options.Into is { } into)
        {
            string wanted = Path.GetFullPath(into);
            targetIndex = chain.Links.Select((l, i) => (Path: Path.GetFullPath(l.Image.Path), Index: i))
                .FirstOrDefault(x => x.Index > 0 && x.Path == wanted).Index;
            if (targetIndex == 0)
            {
                throw new ArgumentException($"{wanted} is not an ancestor of {Path.GetFullPath(childPath)} (its chain: {string.Join(" -> ", chain.Links.Select(l => l.Image.Path))}).", nameof(options));
            }
        }

        List<string> merged = [.. chain.Links.Take(targetIndex).Select(l => Path.GetFullPath(l.Image.Path))];
        return (merged, Path.GetFullPath(chain.Links[targetIndex].Image.Path));
    }

    /// <summary>The runs some merged layer holds (a layer that does not hold a run defers to the next; none: not copied).</summary>
    private static ImmutableArray<DiskExtent> HeldExtents(VhdImage[] layers, long capacity)
    {
        var extents = ImmutableArray.CreateBuilder<DiskExtent>();
        for (long offset = 0; offset < capacity;)
        {
            int holder = LayerWalk.Locate(layers, offset, capacity - offset, out _, out long length);
            if (holder >= 0)
            {
                if (extents.Count > 0 && extents[^1].Offset + extents[^1].Length == offset)
                {
                    extents[^1] = extents[^1] with { Length = extents[^1].Length + length };
                }
                else
                {
                    extents.Add(new DiskExtent(offset, length, holder));
                }
            }

            offset += length;
        }

        return extents.ToImmutable();
    }

    private static void WriteJournal(string journal, List<string> merged, Guid targetId)
    {
        string temporary = NewFile.TemporaryName(journal);
        string text = $"VhdKit merge in progress into {targetId}\n" + string.Join('\n', merged) + "\n";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
            Durability.FlushFile(stream.SafeFileHandle, temporary); // the handle's getter writes the buffer first
        }

        NewFile.ReplaceWith(temporary, journal);
    }

    private static ImmutableArray<string> OtherChildren(string target, Guid targetId, List<string> merged) =>
        [.. ChildrenBeside.Find(target, targetId, merged).Select(child =>
            $"{child} is another child of {target}; the merge changed its parent, so its content is no longer what it was.")];
}
