using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>The locator texts VhdKit writes for a new child: a relative one, and an absolute one for this platform.</summary>
internal static class ParentLocatorPaths
{
    /// <summary>
    /// W2ru: the parent relative to the child's folder, with backslashes, as <c>.\name.vhd</c> or
    /// <c>..\dir\name.vhd</c> (none when no relative path exists, e.g. another drive). The absolute one:
    /// W2ku with the Windows path on Windows; elsewhere a MacX <c>file://</c> URL (a Unix path in W2ku would
    /// mislead Windows readers, so none is written).
    /// </summary>
    public static List<(ParentLocatorPlatform Platform, string Text)> For(string childFullPath, string parentFullPath)
    {
        var result = new List<(ParentLocatorPlatform, string)>();
        string childFolder = Path.GetDirectoryName(childFullPath)!;
        string relative = Path.GetRelativePath(childFolder, parentFullPath);
        if (!Path.IsPathRooted(relative))
        {
            relative = relative.Replace(Path.DirectorySeparatorChar, '\\');
            if (!relative.StartsWith(@"..\", StringComparison.Ordinal))
            {
                relative = @".\" + relative;
            }

            result.Add((ParentLocatorPlatform.W2ru, relative));
        }

        result.Add(OperatingSystem.IsWindows()
            ? (ParentLocatorPlatform.W2ku, parentFullPath)
            : (ParentLocatorPlatform.MacX, LocatorText.ToFileUrl(parentFullPath)));
        return result;
    }
}
