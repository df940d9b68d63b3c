using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using VhdKit.Chain;

namespace VhdKit.Storage;

/// <summary>
/// Where a plain file holds data, as the file system reports it (lseek SEEK_DATA / SEEK_HOLE, Linux and macOS):
/// holes read as zeros and need not be read. Where the question cannot be asked (Windows, a file system without
/// the call, any error), the whole file is one range: it is read, and its zeros are found by looking.
/// </summary>
internal static partial class DataRanges
{
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int Enxio = 6; // the same on Linux and macOS

    /// <summary>The data ranges of the open file (layer 0), in order, covering every byte that is not a hole.</summary>
    public static ImmutableArray<DiskExtent> Of(SafeFileHandle handle, long length)
    {
        ImmutableArray<DiskExtent> whole = length == 0 ? [] : [new DiskExtent(0, length, 0)];
        if (OperatingSystem.IsWindows() || length == 0)
        {
            return whole;
        }

        var ranges = ImmutableArray.CreateBuilder<DiskExtent>();
        long offset = 0;
        while (offset < length)
        {
            long data = Seek(handle, offset, SeekData);
            if (data < 0)
            {
                // ENXIO: no data at or after offset (the rest is a hole); anything else: the call is not supported here.
                return Marshal.GetLastPInvokeError() == Enxio ? ranges.ToImmutable() : whole;
            }

            long hole = Seek(handle, data, SeekHole);
            if (hole < 0 || hole <= data)
            {
                return whole;
            }

            long end = Math.Min(hole, length);
            if (data >= end)
            {
                break;
            }

            ranges.Add(new DiskExtent(data, end - data, 0));
            offset = end;
        }

        return ranges.ToImmutable();
    }

    private static long Seek(SafeFileHandle handle, long offset, int whence)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return LSeek((int)handle.DangerousGetHandle(), offset, whence);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int descriptor, long offset, int whence);
}
