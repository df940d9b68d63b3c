using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Finds the differencing disks in an image's own folder whose parent is that very file: their parent, resolved
/// as <see cref="VhdChain"/> resolves it (locators in order, the first file with the right id), is the image
/// (a copy of it with the same id is another file, and its children are not the image's). Children elsewhere
/// cannot be found: nothing points from a parent to its children.
/// </summary>
/// <remarks>
/// Candidates are the files named <c>*.vhd</c> or <c>*.avhd</c> in any case (for a VHDX parent, <c>*.vhdx</c> or
/// <c>*.avhdx</c>). Nothing but a regular file (a symbolic link only to one) is opened, so a FIFO or a device with
/// such a name never blocks the search.
/// </remarks>
internal static partial class ChildrenBeside
{
    private static readonly EnumerationOptions AnyCase = new() { MatchCasing = MatchCasing.CaseInsensitive, IgnoreInaccessible = true };

    /// <summary>The full paths of the children of <paramref name="parentPath"/> (whose id is <paramref name="parentId"/>) beside it, except <paramref name="exclude"/>.</summary>
    public static List<string> Find(string parentPath, Guid parentId, IReadOnlyCollection<string> exclude)
    {
        var children = new List<string>();
        foreach (string full in Candidates(parentPath, exclude, VhdFooter.Size, "*.vhd", "*.avhd"))
        {
            try
            {
                using VhdImage image = VhdImage.Open(full);
                if (image.DiskType == VhdDiskType.Differencing && ParentResolver.LeadsTo(image, parentPath, parentId))
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

    /// <summary>
    /// The regular files beside <paramref name="parentPath"/> (of at least <paramref name="minimumLength"/> bytes)
    /// whose names match one of <paramref name="patterns"/> in any case, as full paths, except the parent itself and
    /// <paramref name="exclude"/>.
    /// </summary>
    private static IEnumerable<string> Candidates(string parentPath, IReadOnlyCollection<string> exclude, long minimumLength, params string[] patterns)
    {
        string folder = Path.GetDirectoryName(parentPath)!;
        foreach (string pattern in patterns)
        {
            foreach (string candidate in Directory.EnumerateFiles(folder, pattern, AnyCase))
            {
                string full = Path.GetFullPath(candidate);
                if (full != parentPath && !exclude.Contains(full) && LocalFile.IsRegularFile(full, minimumLength, out _))
                {
                    yield return full;
                }
            }
        }
    }
}
