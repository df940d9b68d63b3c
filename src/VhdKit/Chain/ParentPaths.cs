using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Chain;

/// <summary>
/// Turns a differencing disk's locators into local paths (for a child stored remotely, a blob: locations beside it,
/// see <see cref="ToRemoteLocation"/>), in the order they are tried: W2ru (relative to the
/// child's folder), W2ku, MacX (a blktap relative URL relative to the child's folder), Url8 (a remote parent's URL,
/// kept as it is), then the header's parent name in the child's folder (the deprecated 8-bit
/// Wi2r/Wi2k go with W2ru/W2ku).
/// </summary>
internal static class ParentPaths
{
    public const string ParentNameSource = "ParentName";

    public static List<(string Source, string Text, string? Path)> Candidates(VhdImage child)
    {
        bool remote = Storage.StorageLocations.IsUrl(child.Path);
        var beside = child.Storage as Storage.IRelativeLocations;
        string childFolder = remote ? string.Empty : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(child.Path)) ?? string.Empty;
        var candidates = new List<(string, string, string?)>();
        foreach (ParentLocatorPlatform platform in new[]
                 {
                     ParentLocatorPlatform.W2ru, ParentLocatorPlatform.Wi2r, ParentLocatorPlatform.W2ku,
                     ParentLocatorPlatform.Wi2k, ParentLocatorPlatform.MacX, ParentLocatorPlatform.Url8,
                 })
        {
            foreach (ParentLocator locator in child.Locators)
            {
                if (locator.Platform == platform && locator.Text is { } text)
                {
                    candidates.Add((FourCharacterCode.ToDisplayString((uint)platform), text,
                        remote ? ToRemoteLocation(platform, text, beside) : ToLocalPath(platform, text, childFolder)));
                }
            }
        }

        string name = child.Header?.ParentName ?? string.Empty;
        if (name.Length > 0)
        {
            // Only the name: a parent name never leads out of the child's folder.
            string fileName = System.IO.Path.GetFileName(name.Replace('\\', '/'));
            string? path = fileName.Length == 0 ? null : remote ? beside?.Resolve(fileName) : System.IO.Path.Combine(childFolder, fileName);
            candidates.Add((ParentNameSource, name, path));
        }

        return candidates;
    }

    /// <summary>The local path a locator's text names, or <see langword="null"/> when it names none on this platform.</summary>
    public static string? ToLocalPath(ParentLocatorPlatform platform, string text, string childFolder)
    {
        if (text.Length == 0 || text.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        if (platform == ParentLocatorPlatform.MacX)
        {
            return MacXPath(text, childFolder);
        }

        if (platform == ParentLocatorPlatform.Url8)
        {
            // A remote parent: the URL itself, opened through its scheme's registered opener.
            return Storage.StorageLocations.IsUrl(text) ? text : null;
        }

        if (OperatingSystem.IsWindows())
        {
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(childFolder, text));
        }

        // On Linux and macOS a drive-letter or UNC path names nothing; a Unix path (DiscUtils writes them into
        // W2ku) is used as it is; a relative one is relative to the child's folder, with '\' as the separator.
        if (IsWindowsRooted(text))
        {
            return null;
        }

        string local = text.Replace('\\', '/');
        return System.IO.Path.GetFullPath(System.IO.Path.IsPathRooted(local) ? local : System.IO.Path.Combine(childFolder, local));
    }

    /// <summary>
    /// Where a locator of a child stored remotely (a blob) leads: a relative path (W2ru, Wi2r, a relative MacX URL, a
    /// VHDX's relative_path) resolved against the child's own location and bounded by it (a blob's container), with the
    /// child's credential; a Url8 URL as it is (with the child's credential only within the same container); an
    /// absolute local path (W2ku, a drive letter, a UNC or Unix path) names nothing: a remote child has no local disk.
    /// </summary>
    public static string? ToRemoteLocation(ParentLocatorPlatform platform, string text, Storage.IRelativeLocations? beside)
    {
        if (text.Length == 0 || text.Contains('\0', StringComparison.Ordinal) || beside is null)
        {
            return null;
        }

        if (platform == ParentLocatorPlatform.Url8)
        {
            return Storage.StorageLocations.IsUrl(text) ? beside.WithCredential(text) : null;
        }

        string relative = text;
        if (platform == ParentLocatorPlatform.MacX)
        {
            const string Scheme = "file://";
            if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || text.Length == Scheme.Length || text[Scheme.Length] == '/')
            {
                return null; // file:///..., file://localhost/...: absolute, on some machine's disk
            }

            relative = text[Scheme.Length..];
        }

        relative = relative.Replace('\\', '/');
        return IsWindowsRooted(text) || relative.StartsWith('/') || Storage.StorageLocations.IsUrl(relative) ? null : beside.Resolve(relative);
    }

    /// <summary>
    /// The path of a MacX URL. blktap writes <c>file://</c> followed by the path as it was given, so
    /// <c>file://./base/k.vhd</c> (or <c>file://base/k.vhd</c>) is relative to the child's folder, as blktap reads
    /// it (<c>vhd_macx_decode_location</c>, then relative to the child); only <c>file:///...</c> (and <c>file://localhost/...</c>) is absolute.
    /// </summary>
    private static string? MacXPath(string text, string childFolder)
    {
        const string Scheme = "file://";
        if (text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && text.Length > Scheme.Length && text[Scheme.Length] != '/'
            && !text.AsSpan(Scheme.Length).StartsWith("localhost/", StringComparison.OrdinalIgnoreCase))
        {
            return System.IO.Path.GetFullPath(System.IO.Path.Combine(childFolder, text[Scheme.Length..]));
        }

        return LocatorText.FromFileUrl(text);
    }

    /// <summary>Whether <paramref name="text"/> starts with a drive letter (<c>C:</c>) or a UNC prefix (<c>\\</c>).</summary>
    public static bool IsWindowsRooted(string text) =>
        (text.Length >= 2 && char.IsAsciiLetter(text[0]) && text[1] == ':') || text.StartsWith(@"\\", StringComparison.Ordinal);
}
