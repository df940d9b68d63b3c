using System.Globalization;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// How every new file is brought into being: never over anything that exists, written under a temporary name in
/// the target folder, flushed by the caller, then moved into place without replacing anything.
/// </summary>
internal static class NewFile
{
    private const int MaxNameAttempts = 16;

    /// <exception cref="ImageAlreadyExistsException">Something (a file, a folder, a symbolic link even dangling) exists there.</exception>
    public static void ThrowIfExists(string fullPath)
    {
        var file = new FileInfo(fullPath);
        if (file.Exists || Directory.Exists(fullPath) || file.LinkTarget is not null)
        {
            throw new ImageAlreadyExistsException(fullPath);
        }
    }

    /// <summary>
    /// The permission bits a file made from <paramref name="path"/> takes (a private image gives a private copy or
    /// rewrite); <see langword="null"/> (the umask's mode) on Windows or when <paramref name="path"/> is no file.
    /// </summary>
    public static UnixFileMode? ModeOf(string path) =>
        OperatingSystem.IsWindows() || !File.Exists(path) ? null : File.GetUnixFileMode(path);

    /// <summary>
    /// A new hidden name beside <paramref name="fullPath"/>, <c>.vhdkit-XXXXXXXX.tmp</c> (8 random hex digits), for a
    /// file written then renamed into place. It is short whatever the target's name, so a target of 255 bytes
    /// (NAME_MAX) still has one; a name in use is skipped (the exclusive create guards the rest).
    /// </summary>
    /// <exception cref="IOException">No free name was found (the folder is full of them).</exception>
    public static string TemporaryName(string fullPath)
    {
        string folder = Path.GetDirectoryName(fullPath)!;
        for (int attempt = 0; attempt < MaxNameAttempts; attempt++)
        {
            string candidate = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $".vhdkit-{Random.Shared.Next():x8}.tmp"));
            if (!Path.Exists(candidate) && new FileInfo(candidate).LinkTarget is null)
            {
                return candidate;
            }
        }

        throw new IOException($"No free temporary name beside {fullPath} after {MaxNameAttempts} tries (.vhdkit-XXXXXXXX.tmp).");
    }

    /// <summary>
    /// Creates a new temporary file beside <paramref name="fullPath"/> (see <see cref="TemporaryName"/>; the folder
    /// must exist) and opens it for writing. With <paramref name="mode"/> (Unix), the file is created with that mode
    /// from the start (narrowed by the umask, as open(2) does), so it is never readable by more people than the
    /// mode allows, not even for a moment; without, it gets the umask's mode. The storage's name, which errors
    /// quote, is <paramref name="fullPath"/> with the temporary's name after it.
    /// </summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static FileStorage CreateTemporary(string fullPath, UnixFileMode? mode, out string temporary)
    {
        for (int attempt = 1; ; attempt++)
        {
            temporary = TemporaryName(fullPath);
            try
            {
                if (mode is not { } unixMode || OperatingSystem.IsWindows())
                {
                    return FileStorage.CreateNew(temporary, MessageName(fullPath, temporary));
                }

                // FileStorage creates with the umask's mode only; the file is made here with the mode, then opened.
                using (new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = unixMode }))
                {
                }
            }
            catch (IOException) when (attempt < MaxNameAttempts && Path.Exists(temporary))
            {
                // Another process took the name between the choice and the create: choose again.
                continue;
            }

            try
            {
                return FileStorage.OpenExclusive(temporary, MessageName(fullPath, temporary));
            }
            catch
            {
                File.Delete(temporary);
                throw;
            }
        }
    }

    /// <summary>How errors name a temporary file: after the file it becomes, then its own name.</summary>
    private static string MessageName(string fullPath, string temporary) =>
        $"{fullPath} (written as {Path.GetFileName(temporary)})";

    /// <summary>
    /// Moves the finished (flushed) temporary file to its name, then flushes the folder so the new name lasts; on
    /// Unix the move links the name and fails if it exists.
    /// </summary>
    /// <remarks>With <see cref="SyncMode.None"/> the folder is not flushed (scratch work: the name may not last).</remarks>
    /// <exception cref="ImageAlreadyExistsException">Something appeared at the target meanwhile.</exception>
    /// <exception cref="IOException">The move failed, or flushing the folder failed (the file is in place, but may
    /// not survive a power loss).</exception>
    public static void MoveIntoPlace(string temporary, string fullPath, SyncMode sync = SyncMode.Durable)
    {
        try
        {
            File.Move(temporary, fullPath, overwrite: false);
        }
        catch (IOException) when (Path.Exists(fullPath) || new FileInfo(fullPath).LinkTarget is not null)
        {
            throw new ImageAlreadyExistsException(fullPath);
        }

        if (sync == SyncMode.Durable)
        {
            Durability.FlushFolder(Path.GetDirectoryName(fullPath)!);
        }
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
