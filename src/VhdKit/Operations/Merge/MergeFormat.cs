using VhdKit.Formats;

namespace VhdKit.Operations;

/// <summary>
/// The part of a merge that depends on the chain's format (VHD or VHDX): opening the chain to plan it, opening the
/// merged layers and the target, the id a child names its parent by, and the children beside an image.
/// <see cref="MergeOperation"/>'s steps (plan, journal, copy, flush, report) are the same for both formats.
/// </summary>
internal abstract class MergeFormat
{
    /// <summary>The format of the chains this merges.</summary>
    public abstract ImageFormat Format { get; }

    /// <summary>The merge of the chain whose leaf is <paramref name="child"/>, by its content (a file that is not a VHDX is taken as a VHD, whose opening names what it is).</summary>
    public static MergeFormat Of(string child) => ImageFormatProbe.HoldsVhdx(child) ? VhdxMergeFormat.Instance : VhdMergeFormat.Instance;

    /// <summary>
    /// The full paths of the chain whose leaf is <paramref name="child"/>, leaf first, down to its base, its parents
    /// resolved as readers resolve them.
    /// </summary>
    /// <exception cref="WrongImageTypeException">The child is not a differencing disk.</exception>
    /// <exception cref="Chain.ParentResolutionException">A parent cannot be found or has the wrong id.</exception>
    /// <exception cref="InvalidOperationException">The chain cannot be merged as it is (nothing was changed).</exception>
    /// <exception cref="IOException">A file cannot be read or is not a valid image.</exception>
    public abstract List<string> Chain(string child);

    /// <summary>Opens the images at <paramref name="paths"/> (leaf first) read-only, as the layers to merge.</summary>
    /// <exception cref="IOException">An image cannot be opened.</exception>
    public abstract MergeLayers OpenLayers(IEnumerable<string> paths);

    /// <summary>Opens the image at <paramref name="path"/> for writing, alone.</summary>
    /// <exception cref="Images.ImageInUseException">The image is open elsewhere.</exception>
    /// <exception cref="IOException">The image cannot be opened for writing.</exception>
    /// <exception cref="UnauthorizedAccessException">The image is read-only.</exception>
    public abstract MergeTarget OpenTarget(string path);

    /// <summary>The id the children of the image at <paramref name="path"/> name it by (a VHD's unique id, a VHDX's DataWriteGuid).</summary>
    /// <exception cref="IOException">The image cannot be opened.</exception>
    public abstract Guid LinkIdOf(string path);

    /// <summary>The differencing disks beside <paramref name="parent"/> whose parent it is (they name it by <paramref name="linkId"/>), except <paramref name="exclude"/>.</summary>
    public abstract List<string> FindChildren(string parent, Guid linkId, IReadOnlyCollection<string> exclude);

    /// <summary>What became of another child of the target, once the merge changed the target.</summary>
    public abstract string OtherChildChanged(string child, string target);
}
