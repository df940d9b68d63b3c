namespace VhdKit.Storage;

/// <summary>
/// What a path names before anything is opened: the file at the end of its symbolic links, and whether that is a
/// regular file. <see cref="FileInfo"/> describes a link itself (its length is the length of the target's name),
/// so a link is followed here first.
/// </summary>
/// <remarks>
/// A FIFO, a socket or a device reports a length of 0 on Linux and macOS (<c>st_size</c>), so "at least one
/// footer long" also tells a regular file from those without opening them (opening a FIFO blocks until a writer
/// comes).
/// </remarks>
internal static class LocalFile
{
    /// <summary>
    /// The file <paramref name="path"/> finally names, its symbolic links followed; <see langword="null"/> when a
    /// link dangles or loops. A path that is no link is returned as it is (existing or not).
    /// </summary>
    public static FileInfo? Resolve(string path)
    {
        var file = new FileInfo(path);
        if (file.LinkTarget is null)
        {
            return file;
        }

        try
        {
            return file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target && target.Exists ? target : null;
        }
        catch (IOException)
        {
            // Too many levels of links (a loop).
            return null;
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> names (itself or through symbolic links) a file of at least
    /// <paramref name="minimumLength"/> bytes, which is then a regular file; <paramref name="length"/> is its
    /// length (0 when there is none, or for a FIFO, socket or device).
    /// </summary>
    public static bool IsRegularFile(string path, long minimumLength, out long length)
    {
        FileInfo? file = Resolve(path);
        length = file is { Exists: true } ? file.Length : 0;
        return length >= minimumLength && length > 0;
    }

    /// <summary>
    /// Whether two paths name the same file: the same full path once every symbolic link is followed. (Two hard
    /// links to one file are not recognised: that needs the file's inode, which .NET does not expose.)
    /// </summary>
    public static bool IsSameFile(string first, string second)
    {
        string a = Path.GetFullPath(Resolve(first)?.FullName ?? first);
        string b = Path.GetFullPath(Resolve(second)?.FullName ?? second);
        return string.Equals(a, b, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }
}
