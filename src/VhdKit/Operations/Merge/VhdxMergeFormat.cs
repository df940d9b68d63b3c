using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images.Vhdx;

namespace VhdKit.Operations;

/// <summary>
/// Merging a VHDX chain: <see cref="VhdxChain"/> plans it, <see cref="VhdxImage"/> reads the layers and writes the
/// target through its data writes (the target gets a new DataWriteGuid before its first write, as MS-VHDX requires,
/// and its BAT and sector bitmaps change through its log).
/// </summary>
internal sealed class VhdxMergeFormat : MergeFormat
{
    private VhdxMergeFormat()
    {
    }

    public static VhdxMergeFormat Instance { get; } = new();

    public override ImageFormat Format => ImageFormat.Vhdx;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">An image of the chain has another logical sector size than the leaf.</exception>
    /// <exception cref="MergeInterruptedException">A parent's DataWriteGuid changed because another merge into it was interrupted.</exception>
    public override List<string> Chain(string child)
    {
        using VhdxChain chain = OpenChain(child);
        VhdxImage leaf = chain.Leaf;
        if (leaf.DiskType != VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(Path.GetFullPath(child), leaf.DiskType, "merging");
        }

        foreach (VhdxImage image in chain.Images)
        {
            if (image.LogicalSectorSize != leaf.LogicalSectorSize)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{leaf.Path} has {leaf.LogicalSectorSize}-byte logical sectors but {image.Path}, in its chain, has {image.LogicalSectorSize}-byte ones; a merge copies whole sectors between images of one sector size (a child takes its parent's), so nothing was changed."));
            }
        }

        return [.. chain.Images.Select(i => Path.GetFullPath(i.Path))];
    }

    /// <summary>
    /// The chain of <paramref name="child"/>; a parent whose DataWriteGuid changed under an interrupted merge of another
    /// child (its journal remains) is reported as that merge, which must complete first, not as a changed parent.
    /// </summary>
    private static VhdxChain OpenChain(string child)
    {
        try
        {
            return VhdxChain.Open(child);
        }
        catch (ParentResolutionException e) when (e.Failure == ParentResolutionFailure.IdMismatch)
        {
            foreach (ParentCandidate attempt in e.Attempts)
            {
                if (attempt is { Outcome: CandidateOutcome.IdMismatch, Path: { } path } && MergeJournal.Read(Path.GetFullPath(path)) is { } journal)
                {
                    throw new MergeInterruptedException(Path.GetFullPath(path),
                        MergeJournal.Describe(Path.GetFullPath(path), journal) + " No other merge into it is started until then.");
                }
            }

            throw;
        }
    }

    public override MergeLayers OpenLayers(IEnumerable<string> paths) => MergeLayers.Open(paths, path => VhdxImage.Open(path));

    public override MergeTarget OpenTarget(string path)
    {
        VhdxImage image = VhdxImage.OpenWritable(path);
        return new MergeTarget(image, image.DataWriteGuid, image.WriteSectors, image.Flush, () => image.FileLength, image);
    }

    public override Guid LinkIdOf(string path)
    {
        using VhdxImage image = VhdxImage.Open(path);
        return image.DataWriteGuid;
    }

    public override List<string> FindChildren(string parent, Guid linkId, IReadOnlyCollection<string> exclude) =>
        ChildrenBeside.FindVhdx(parent, linkId, exclude);

    public override string OtherChildChanged(string child, string target) =>
        $"{child} is another child of {target}; the merge gave {target} a new DataWriteGuid (MS-VHDX requires one before its data changes), which the child's parent_linkage does not name, so it no longer opens: its content would not be what it was.";
}
