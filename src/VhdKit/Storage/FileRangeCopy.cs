using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace VhdKit.Storage;

/// <summary>
/// copy_file_range(2) on Linux: the kernel copies a range of one file into another without the bytes passing through
/// user space (as <c>cp</c> does; a file system that can share extents, such as XFS or Btrfs, may share them instead).
/// Elsewhere, or where the kernel cannot copy between the two files, nothing is copied and the caller reads and writes.
/// </summary>
internal static unsafe partial class FileRangeCopy
{
    private const int Eintr = 4;
    private const int Exdev = 18;
    private const int Einval = 22;
    private const int Enosys = 38;
    private const int Eopnotsupp = 95;

    /// <summary>
    /// Copies <paramref name="length"/> bytes of <paramref name="source"/> at <paramref name="sourceOffset"/> to
    /// <paramref name="target"/> at <paramref name="targetOffset"/>.
    /// </summary>
    /// <returns>
    /// The bytes copied, from the start of the range: fewer than <paramref name="length"/> (0 included) when the kernel
    /// cannot copy between these files (another OS, another file system, an old kernel) or the source ends early; the
    /// caller copies the rest itself.
    /// </returns>
    /// <exception cref="IOException">The copy failed (a read or write error, the disk is full).</exception>
    public static long Copy(SafeFileHandle source, long sourceOffset, SafeFileHandle target, long targetOffset, long length, string targetName)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        bool sourceAdded = false;
        bool targetAdded = false;
        try
        {
            source.DangerousAddRef(ref sourceAdded);
            target.DangerousAddRef(ref targetAdded);
            int input = (int)source.DangerousGetHandle();
            int output = (int)target.DangerousGetHandle();
            long done = 0;
            while (done < length)
            {
                long from = sourceOffset + done;
                long to = targetOffset + done;
                nint copied = CopyFileRange(input, &from, output, &to, (nuint)(length - done), 0);
                if (copied < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Eintr)
                    {
                        continue;
                    }

                    if (errno is Exdev or Einval or Enosys or Eopnotsupp)
                    {
                        return done; // the kernel cannot copy between these two files: the caller does
                    }

                    throw new IOException(
                        $"Copying {length - done} bytes to offset 0x{to:X} of {targetName} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
                }

                if (copied == 0)
                {
                    return done; // the source ends here
                }

                done += copied;
            }

            return done;
        }
        finally
        {
            if (targetAdded)
            {
                target.DangerousRelease();
            }

            if (sourceAdded)
            {
                source.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "copy_file_range", SetLastError = true)]
    private static partial nint CopyFileRange(int input, long* inputOffset, int output, long* outputOffset, nuint length, uint flags);
}
