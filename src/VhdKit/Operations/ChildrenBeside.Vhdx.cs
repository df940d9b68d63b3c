using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;

namespace VhdKit.Operations;

// The children of a VHDX parent: the same search, among *.vhdx and *.avhdx files.
internal static partial class ChildrenBeside
{
    /// <summary>
    /// The full paths of the differencing VHDX beside <paramref name="parentPath"/> whose parent locator leads to it and
    /// whose <c>parent_linkage</c> is <paramref name="linkId"/> (the parent's DataWriteGuid when they were linked; the
    /// parent is recognised by its path and not opened, so its own DataWriteGuid may have changed since), except
    /// <paramref name="exclude"/>.
    /// </summary>
    public static List<string> FindVhdx(string parentPath, Guid linkId, IReadOnlyCollection<string> exclude)
    {
        var children = new List<string>();
        foreach (string full in Candidates(parentPath, exclude, VhdxLayout.HeaderSectionSize, "*.vhdx", "*.avhdx"))
        {
            try
            {
                using VhdxImage image = VhdxImage.Open(full);
                if (image.DiskType == VhdDiskType.Differencing && VhdxParentResolver.LeadsTo(image, parentPath, linkId))
                {
                    children.Add(full);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a VHDX, or unreadable: not a child we can speak for.
            }
        }

        return children;
    }
}
