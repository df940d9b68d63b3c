using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace VhdKit.Storage;

/// <summary>
/// preadv(2) over two spans, on Linux and macOS: one system call fills both. Elsewhere (Windows) the two ranges are
/// read one after the other with <see cref="RandomAccess"/>.
/// </summary>
internal static unsafe partial class VectoredRead
{
    private const int Eintr = 4; // the same on Linux and macOS

    /// <summary>Reads into <paramref name="first"/> then <paramref name="second"/> from <paramref name="offset"/>; see <see cref="IPairedRead.ReadPair"/>.</summary>
    /// <exception cref="IOException">The read failed.</exception>
    public static int ReadPair(SafeFileHandle handle, Span<byte> first, Span<byte> second, long offset, string name)
    {
        if (OperatingSystem.IsWindows())
        {
            int head = RandomAccess.Read(handle, first, offset);
            return head < first.Length ? head : head + RandomAccess.Read(handle, second, offset + head);
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int descriptor = (int)handle.DangerousGetHandle();
            fixed (byte* a = first)
            fixed (byte* b = second)
            {
                IoVector* vectors = stackalloc IoVector[2];
                vectors[0] = new IoVector(a, first.Length);
                vectors[1] = new IoVector(b, second.Length);
                nint read;
                do
                {
                    read = PReadV(descriptor, vectors, 2, offset);
                }
                while (read < 0 && Marshal.GetLastPInvokeError() == Eintr);

                if (read < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException(
                        $"Reading {first.Length + second.Length} bytes at offset 0x{offset:X} of {name} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
                }

                return (int)read;
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "preadv", SetLastError = true)]
    private static partial nint PReadV(int descriptor, IoVector* vectors, int count, long offset);

    /// <summary>struct iovec: a base pointer and a length.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct IoVector(byte* start, int length)
    {
        private readonly byte* _start = start;
        private readonly nuint _length = (nuint)length;
    }
}
