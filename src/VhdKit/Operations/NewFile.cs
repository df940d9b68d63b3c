using System.Globalization;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// How every new file is brought into being: never over anything that exists, written under a temporary name in
/// the target folder, flushed by the caller, then moved into place without replacing anything.
/// </summary>
internal static class NewFile
{
    /// <exception cref="ImageAlreadyExistsException">Something (a file, a folder, a symbolic link even dangling) exists there.</exception>
    public static void ThrowIfExists(string fullPath)
    {
        var file = new FileInfo(fullPath);
        if (file.Exists || Directory.Exists(fullPath) || file.LinkTarget is not null)
        {
            throw new ImageAlreadyExistsException(fullPath);
        }
    }

    /// <summary>Creates the target's folder and returns a fresh temporary path beside the target.</summary>
    public static string TemporaryPathFor(string fullPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        return TemporaryName(fullPath);
    }

    /// <summary>A new hidden name beside <paramref name="fullPath"/> (<c>.name.vhd.GUID.tmp</c>), for a file written then renamed into place.</summary>
    public static string TemporaryName(string fullPath) => Path.Combine(Path.GetDirectoryName(fullPath)!,
        string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp"));

    /// <summary>
    /// Moves the finished (flushed) temporary file to its name, then flushes the folder so the new name lasts; on
    /// Unix the move links the name and fails if it exists.
    /// </summary>
    /// <exception cref="ImageAlreadyExistsException">Something appeared at the target meanwhile.</exception>
    /// <exception cref="IOException">The move failed, or flushing the folder failed (the file is in place, but may
    /// not survive a power loss).</exception>
    public static void MoveIntoPlace(string temporary, string fullPath)
    {
        try
        {
            File.Move(temporary, fullPath, overwrite: false);
        }
        catch (IOException) when (Path.Exists(fullPath) || new FileInfo(fullPath).LinkTarget is not null)
        {
            throw new ImageAlreadyExistsException(fullPath);
        }

        Durability.FlushFolder(Path.GetDirectoryName(fullPath)!);
    }

    /// <summary>Renames the finished (flushed) temporary file over <paramref name="fullPath"/>, then flushes the folder so the rename lasts.</summary>
    /// <exception cref="IOException">The rename failed, or flushing the folder failed (the file is in place, but may
    /// not survive a power loss).</exception>
    public static void ReplaceWith(string temporary, string fullPath)
    {
        File.Move(temporary, fullPath, overwrite: true);
        Durability.FlushFolder(Path.GetDirectoryName(fullPath)!);
    }
}
