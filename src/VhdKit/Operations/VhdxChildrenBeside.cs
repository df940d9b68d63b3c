using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Finds the differencing VHDX files in a VHDX's own folder whose parent is that very file: their parent locator's
/// <c>parent_linkage</c> (or <c>parent_linkage2</c>) is its DataWriteGuid and one of their paths
/// (<c>relative_path</c>, <c>absolute_win32_path</c>) names it. The parent is not opened again (the caller may hold
/// it alone), so a copy with the same DataWriteGuid elsewhere is not confused with it.
/// </summary>
/// <remarks>
/// Candidates are the regular files named <c>*.vhdx</c> or <c>*.avhdx</c> in any case (a FIFO with such a name is
/// never opened); a file that is not a VHDX, or is in use, is skipped: not a child VhdKit can speak for.
/// </remarks>
internal static class VhdxChildrenBeside
{
    private static readonly EnumerationOptions AnyCase = new() { MatchCasing = MatchCasing.CaseInsensitive, IgnoreInaccessible = true };

    /// <summary>The full paths of the children of <paramref name="parentPath"/> (whose DataWriteGuid is <paramref name="dataWriteGuid"/>) beside it.</summary>
    public static List<string> Find(string parentPath, Guid dataWriteGuid)
    {
        var children = new List<string>();
        string folder = Path.GetDirectoryName(parentPath)!;
        foreach (string candidate in Directory.EnumerateFiles(folder, "*.vhdx", AnyCase).Concat(Directory.EnumerateFiles(folder, "*.avhdx", AnyCase)))
        {
            string full = Path.GetFullPath(candidate);
            if (full == parentPath || !LocalFile.IsRegularFile(full, VhdxLayout.HeaderSectionSize, out _))
            {
                continue;
            }

            try
            {
                using VhdxImage image = VhdxImage.Open(full);
                if (image.DiskType == VhdDiskType.Differencing && LinksTo(image, folder, parentPath, dataWriteGuid))
                {
                    children.Add(full);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a VHDX (a format exception is an IOException), or in use.
            }
        }

        return children;
    }

    private static bool LinksTo(VhdxImage child, string folder, string parentPath, Guid dataWriteGuid)
    {
        VhdxParentLocator locator = child.Metadata.ParentLocator!.Value;
        bool linked = false;
        foreach (string key in (string[])[VhdxParentLocator.ParentLinkage, VhdxParentLocator.ParentLinkage2])
        {
            linked |= locator[key] is { } text && Guid.TryParse(text, out Guid id) && id == dataWriteGuid;
        }

        if (!linked)
        {
            return false;
        }

        foreach (string key in (string[])[VhdxParentLocator.RelativePath, VhdxParentLocator.AbsoluteWin32Path])
        {
            if (locator[key] is { } text && ParentPaths.ToLocalPath(ParentLocatorPlatform.W2ru, text, folder) is { } path
                && (Path.GetFullPath(path) == parentPath || LocalFile.IsSameFile(path, parentPath)))
            {
                return true;
            }
        }

        return false;
    }
}
