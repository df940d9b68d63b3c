using System.Buffers.Binary;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// Puts data into VHDX files VhdKit created, by hand from the spec (independently of VhdKit's own VHDX writer): into a
/// fixed disk's contiguous blocks, and into a differencing disk by appending a sector bitmap block and payload blocks
/// and updating its BAT (PARTIALLY_PRESENT, the bits of the sectors written set).
/// </summary>
internal static class VhdxTestFiles
{
    private const int MiB = 1 << 20;

    public static void WriteFixed(string path, long virtualOffset, byte[] data)
    {
        long dataStart;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            dataStart = (long)image.PayloadEntry(0).FileOffset;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Position = dataStart + virtualOffset;
        file.Write(data);
    }

    /// <summary>Writes whole logical sectors into a differencing VHDX made by VhdKit (one block at a time).</summary>
    public static void WriteChild(string path, long virtualOffset, byte[] data)
    {
        VhdxBatGeometry geometry;
        long batOffset;
        int sector;
        ulong payload;
        ulong bitmap;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            geometry = image.Geometry;
            sector = image.LogicalSectorSize;
            batOffset = (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
            long block0 = virtualOffset / image.BlockSize;
            Assert.Equal(block0, (virtualOffset + data.Length - 1) / image.BlockSize);
            Assert.Equal(0, virtualOffset % sector);
            Assert.Equal(0, data.Length % sector);
            payload = image.PayloadEntry(block0).FileOffset;
            bitmap = ReadEntry(path, batOffset, geometry.BitmapEntryIndexFor(block0)).FileOffset;
        }

        long block = virtualOffset / geometry.BlockSize;
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (bitmap == 0)
        {
            bitmap = (ulong)((file.Length + MiB - 1) / MiB * MiB);
            file.SetLength((long)bitmap + MiB);
            WriteEntry(file, batOffset, geometry.BitmapEntryIndexFor(block), VhdxBatEntry.Create(VhdxBlockState.FullyPresent, bitmap));
        }

        if (payload == 0)
        {
            payload = (ulong)((file.Length + MiB - 1) / MiB * MiB);
            file.SetLength((long)payload + geometry.BlockSize);
            WriteEntry(file, batOffset, geometry.PayloadEntryIndex(block), VhdxBatEntry.Create(VhdxBlockState.PartiallyPresent, payload));
        }

        long inBlock = virtualOffset % geometry.BlockSize;
        file.Position = (long)payload + inBlock;
        file.Write(data);
        long bitsAt = (long)bitmap + geometry.BitmapByteOffsetFor(block, (uint)sector);
        var bits = new byte[geometry.BlockSize / sector / 8];
        file.Position = bitsAt;
        file.ReadExactly(bits);
        VhdxSectorBitmap.Set(bits, (int)(inBlock / sector), data.Length / sector);
        file.Position = bitsAt;
        file.Write(bits);
    }

    /// <summary>Sets payload block <paramref name="block"/>'s BAT entry to <paramref name="state"/> (offset 0), by hand, in place.</summary>
    public static void SetPayloadState(string path, long block, VhdxBlockState state)
    {
        long batOffset;
        long index;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            batOffset = (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
            index = image.Geometry.PayloadEntryIndex(block);
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        WriteEntry(file, batOffset, index, VhdxBatEntry.Create(state, 0));
    }

    private static VhdxBatEntry ReadEntry(string path, long batOffset, long index)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var bytes = new byte[8];
        file.Position = batOffset + (index * 8);
        file.ReadExactly(bytes);
        return new VhdxBatEntry(BinaryPrimitives.ReadUInt64LittleEndian(bytes));
    }

    private static void WriteEntry(FileStream file, long batOffset, long index, VhdxBatEntry entry)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, entry.Raw);
        file.Position = batOffset + (index * 8);
        file.Write(bytes);
    }

    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static CreateResult Create(string path, VhdKit.Format.VhdDiskType type, long size = 0, int? blockSize = null, int? logical = null, string? parent = null) =>
        CreateOperation.Run(new CreateRequest(path) { Type = type, Size = size, BlockSize = blockSize, LogicalSectorSize = logical, ParentPath = parent });
}
