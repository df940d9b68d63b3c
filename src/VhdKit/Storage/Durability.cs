using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace VhdKit.Storage;

/// <summary>
/// Checked durability: flushes a file, or a folder's entries, to stable storage and throws when the system
/// says it failed.
/// </summary>
/// <remarks>
/// .NET 10 on Linux returns normally from <see cref="RandomAccess.FlushToDisk"/> and
/// <c>FileStream.Flush(true)</c> when fsync fails (REFERENCE §5, measured with
/// <c>strace -e inject=fsync:error=EIO</c>), so a lost write would be reported as durable. The system calls are
/// made here instead: <c>fsync</c> on Linux, <c>fcntl(F_FULLFSYNC)</c> on macOS (its <c>fsync</c> does not
/// reach the medium; <c>fsync</c> is the fallback where the file system refuses F_FULLFSYNC),
/// <c>FlushFileBuffers</c> on Windows. A rename lasts only once its folder is flushed too
/// (<see cref="FlushFolder"/>); Windows has no such call and journals its metadata itself.
/// </remarks>
internal static partial class Durability
{
    private const int Eintr = 4;
    private const int Einval = 22; // the same on Linux and macOS
    private const int MacFullFsync = 51; // F_FULLFSYNC in <sys/fcntl.h>
    private const int OpenReadOnly = 0; // O_RDONLY: folders are opened to be flushed, nothing more

    /// <summary>Flushes the file's data and metadata to stable storage.</summary>
    /// <param name="handle">An open handle to the file.</param>
    /// <param name="nameForMessages">The file's path, for the error message.</param>
    /// <exception cref="IOException">The system reported that the flush failed ("fsync of X failed: EIO (...)").</exception>
    public static void FlushFile(SafeFileHandle handle, string nameForMessages)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (OperatingSystem.IsWindows())
        {
            if (!FlushFileBuffers(handle))
            {
                throw Failure("FlushFileBuffers", nameForMessages, Marshal.GetLastPInvokeError());
            }

            return;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            FlushDescriptor((int)handle.DangerousGetHandle(), nameForMessages, isFolder: false);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Flushes a folder's entries (a file renamed, created or deleted in it) to stable storage: on Linux and
    /// macOS the folder is opened read-only and fsynced; on Windows nothing is needed (NTFS journals its metadata).
    /// </summary>
    /// <param name="folder">The folder.</param>
    /// <exception cref="IOException">The folder cannot be opened, or the system reported that the flush failed.</exception>
    public static void FlushFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int descriptor;
        do
        {
            descriptor = Open(folder, OpenReadOnly);
        }
        while (descriptor < 0 && Marshal.GetLastPInvokeError() == Eintr);

        if (descriptor < 0)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"Opening the folder {folder} to flush it failed: {ErrorText(Marshal.GetLastPInvokeError())}."));
        }

        try
        {
            FlushDescriptor(descriptor, folder, isFolder: true);
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static void FlushDescriptor(int descriptor, string name, bool isFolder)
    {
        if (OperatingSystem.IsMacOS() && Fcntl(descriptor, MacFullFsync) == 0)
        {
            return;
        }

        // macOS: F_FULLFSYNC refused (a file system without it, ENOTSUP or EINVAL): plain fsync below, checked.
        while (true)
        {
            if (Fsync(descriptor) == 0)
            {
                return;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == Eintr)
            {
                continue;
            }

            // Some file systems cannot sync a folder at all (EINVAL): there is nothing to wait for.
            if (isFolder && errno == Einval)
            {
                return;
            }

            throw Failure("fsync", name, errno);
        }
    }

    private static IOException Failure(string call, string name, int error) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{call} of {name} failed: {ErrorText(error)}; what was written may not be on the disk."),
            OperatingSystem.IsWindows() ? unchecked((int)0x80070000) | error : error);

    /// <summary>"EIO (Input/output error)": the symbolic name where it is one of the usual ones, and the system's text.</summary>
    internal static string ErrorText(int error)
    {
        string text = Marshal.GetPInvokeErrorMessage(error);
        string? symbol = OperatingSystem.IsWindows() ? null : ErrorName(error);
        return symbol is null ? $"error {error} ({text})" : $"{symbol} ({text})";
    }

    private static string? ErrorName(int error) => (error, OperatingSystem.IsMacOS()) switch
    {
        (2, _) => "ENOENT",
        (5, _) => "EIO",
        (9, _) => "EBADF",
        (13, _) => "EACCES",
        (22, _) => "EINVAL",
        (28, _) => "ENOSPC",
        (30, _) => "EROFS",
        (95, false) or (45, true) => "ENOTSUP",
        (122, false) or (69, true) => "EDQUOT",
        _ => null,
    };

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int descriptor, int command);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool FlushFileBuffers(SafeFileHandle handle);
}
