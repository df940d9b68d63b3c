using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>Merging a VHD chain: <see cref="VhdChain"/> plans it, <see cref="VhdImage"/> reads the layers and writes the target.</summary>
internal sealed class VhdMergeFormat : MergeFormat
{
    private VhdMergeFormat()
    {
    }

    public static VhdMergeFormat Instance { get; } = new();

    public override ImageFormat Format => ImageFormat.Vhd;

    public override List<string> Chain(string child)
    {
        using VhdChain chain = VhdChain.Open(child);
        if (chain.Leaf.DiskType != VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(Path.GetFullPath(child), chain.Leaf.DiskType, "merging");
        }

        return [.. chain.Links.Select(l => Path.GetFullPath(l.Image.Path))];
    }

    public override MergeLayers OpenLayers(IEnumerable<string> paths) => MergeLayers.Open(paths, path => VhdImage.Open(path));

    public override MergeTarget OpenTarget(string path)
    {
        VhdImage image = VhdImage.Open(path, new VhdOpenOptions { Writable = true });
        return new MergeTarget(image, image.UniqueId, image.WriteSectors, image.Flush, () => image.FileLength, image, image);
    }

    public override Guid LinkIdOf(string path)
    {
        using VhdImage image = VhdImage.Open(path);
        return image.UniqueId;
    }

    public override List<string> FindChildren(string parent, Guid linkId, IReadOnlyCollection<string> exclude) =>
        ChildrenBeside.Find(parent, linkId, exclude);

    public override string OtherChildChanged(string child, string target) =>
        $"{child} is another child of {target}; the merge changed its parent, so its content is no longer what it was.";
}
