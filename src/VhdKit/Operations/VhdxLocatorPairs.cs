using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Format.Vhdx;

namespace VhdKit.Operations;

/// <summary>The key/value pairs of the parent locator VhdKit writes into a differencing VHDX (create, rebase).</summary>
internal static class VhdxLocatorPairs
{
    /// <summary>
    /// <c>parent_linkage</c> (the parent's DataWriteGuid in braces), <c>relative_path</c> (from the child's folder, as
    /// Hyper-V writes it) and, where the path is a Win32 one (on Windows), <c>absolute_win32_path</c>.
    /// </summary>
    public static ImmutableArray<KeyValuePair<string, string>> For(string childFullPath, string parentPath, Guid parentDataWriteGuid)
    {
        var locator = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        locator.Add(new(VhdxParentLocator.ParentLinkage, parentDataWriteGuid.ToString("B")));
        foreach ((ParentLocatorPlatform platform, string text) in ParentLocatorPaths.For(childFullPath, parentPath))
        {
            string? key = platform switch
            {
                ParentLocatorPlatform.W2ru => VhdxParentLocator.RelativePath,
                ParentLocatorPlatform.W2ku => VhdxParentLocator.AbsoluteWin32Path,
                _ => null,
            };
            if (key is not null)
            {
                locator.Add(new(key, text));
            }
        }

        return locator.ToImmutable();
    }
}
