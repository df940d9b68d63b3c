using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace VhdKit.Storage;

/// <summary>
/// preadv(2) over up to four spans, on Linux and macOS: one system call fills them in order. Elsewhere (Windows)
/// nothing is read here, and <see cref="StorageExtensions"/> reads the ranges one after the other.
/// </summary>
internal static unsafe partial class VectoredRead
{
    private const int Eintr = 4; // the same on Linux and macOS

    /// <summary>See <see cref="IVectoredRead.ReadVector"/>.</summary>
    /// <exception cref="IOException">The read failed.</exception>
    public static int Read(SafeFileHandle handle, Span<byte> first, Span<byte> second, Span<byte> third, Span<byte> fourth, long offset, string name)
    {
        if (OperatingSystem.IsWindows())
        {
            // No preadv: the caller (StorageExtensions.ReadVector) reads the parts one by one.
            return 0;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int descriptor = (int)handle.DangerousGetHandle();
            fixed (byte* a = first)
            fixed (byte* b = second)
            fixed (byte* c = third)
            fixed (byte* d = fourth)
            {
                IoVector* vectors = stackalloc IoVector[4];
                vectors[0] = new IoVector(a, first.Length);
                vectors[1] = new IoVector(b, second.Length);
                vectors[2] = new IoVector(c, third.Length);
                vectors[3] = new IoVector(d, fourth.Length);
                nint read;
                do
                {
                    read = PReadV(descriptor, vectors, 4, offset);
                }
                while (read < 0 && Marshal.GetLastPInvokeError() == Eintr);

                if (read < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException(
                        $"Reading {first.Length + second.Length + third.Length + fourth.Length} bytes at offset 0x{offset:X} of {name} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
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
