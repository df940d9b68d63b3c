using System.Runtime.InteropServices;

namespace VhdKit.Cli.Output;

/// <summary>
/// The bytes a file takes on its volume (what <c>du</c> and qemu-img's <c>actual-size</c> report): <c>st_blocks</c> × 512 from
/// <c>stat(2)</c>. Known on Linux x64 and arm64, whose <c>struct stat</c> both hold <c>st_blocks</c> at byte 64;
/// elsewhere <see langword="null"/> (the documents say "unknown" rather than guess).
/// </summary>
internal static partial class HostAllocation
{
    private const int StatBufferSize = 256;
    private const int BlocksOffset = 64;
    private const long BlockUnit = 512;

    /// <summary>The allocated bytes of <paramref name="path"/>, or <see langword="null"/> when this platform cannot tell or the call fails.</summary>
    public static long? Of(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return null;
        }

        var buffer = new byte[StatBufferSize];
        return Stat(path, buffer) == 0 ? MemoryMarshal.Read<long>(buffer.AsSpan(BlocksOffset)) * BlockUnit : null;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, [Out] byte[] buffer);
}
