using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Tests.Support;

/// <summary>Builds images on disk and corrupts them on purpose.</summary>
public static class ImageFiles
{
    public const long MiB = 1024 * 1024;

    public static string Dynamic(string path, long size = 8 * MiB, int blockSize = VhdConstants.DefaultBlockSize)
    {
        CreateOperation.Run(CreateRequest.Dynamic(path, size, blockSize));
        return path;
    }

    public static string Fixed(string path, long size = 4 * MiB)
    {
        CreateOperation.Run(CreateRequest.Fixed(path, size));
        return path;
    }

    public static string Differencing(string path, string parent)
    {
        CreateOperation.Run(CreateRequest.Differencing(path, parent));
        return path;
    }

    public static VhdFooter ReadFooter(string path, long offset)
    {
        var bytes = new byte[512];
        using var stream = File.OpenRead(path);
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return VhdFooter.Parse(bytes);
    }

    /// <summary>Rewrites the end footer (and the copy at 0 when <paramref name="copyToo"/>) with a valid checksum.</summary>
    public static void PatchFooter(string path, Func<VhdFooter, VhdFooter> change, bool copyToo = true)
    {
        long end = new FileInfo(path).Length - 512;
        var bytes = new byte[512];
        change(ReadFooter(path, end)).WriteTo(bytes);
        WriteRaw(path, end, bytes);
        if (copyToo)
        {
            WriteRaw(path, 0, bytes);
        }
    }

    public static DynamicHeader ReadHeader(string path)
    {
        var bytes = new byte[1024];
        using var stream = File.OpenRead(path);
        stream.Position = 512;
        stream.ReadExactly(bytes);
        return DynamicHeader.Parse(bytes);
    }

    /// <summary>Rewrites the dynamic header at 512 with a valid checksum.</summary>
    public static void PatchHeader(string path, Func<DynamicHeader, DynamicHeader> change)
    {
        var bytes = new byte[1024];
        change(ReadHeader(path)).WriteTo(bytes);
        WriteRaw(path, 512, bytes);
    }

    public static void WriteRaw(string path, long offset, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }

    public static void WriteBigEndian(string path, long offset, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        WriteRaw(path, offset, bytes);
    }

    /// <summary>A BAT entry of an image VhdKit made (its table at 1536).</summary>
    public static uint ReadBatEntry(string path, int block)
    {
        var bytes = new byte[4];
        using var stream = File.OpenRead(path);
        stream.Position = 1536 + (block * 4L);
        stream.ReadExactly(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }
}
