using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Finds the differencing disks in an image's own folder that name it as their parent (by unique id). Children
/// elsewhere cannot be found: nothing points from a parent to its children.
/// </summary>
internal static class ChildrenBeside
{
    /// <summary>The full paths of the children of <paramref name="parentId"/> beside <paramref name="parentPath"/>, except <paramref name="exclude"/>.</summary>
    public static List<string> Find(string parentPath, Guid parentId, IReadOnlyCollection<string> exclude)
    {
        var children = new List<string>();
        foreach (string candidate in Directory.EnumerateFiles(Path.GetDirectoryName(parentPath)!, "*.vhd"))
        {
            string full = Path.GetFullPath(candidate);
            if (full == parentPath || exclude.Contains(full))
            {
                continue;
            }

            try
            {
                using VhdImage image = VhdImage.Open(full);
                if (image.DiskType == VhdDiskType.Differencing && image.Header!.Value.ParentUniqueId == parentId)
                {
                    children.Add(full);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a VHD, or in use: not a child we can speak for.
            }
        }

        return children;
    }
}
