using System.Buffers.Binary;

namespace VhdKit.FileSystems;

/// <summary>
/// One 16-byte MBR partition entry: status (0x80 active), the first sector as CHS, the type, the last sector as CHS,
/// the first sector as LBA (u32 LE) and the sector count (u32 LE). CHS values use 255 heads and 63 sectors per track
/// (what fdisk and Windows write), and the maximum 1023/254/63 past cylinder 1023, where only the LBA fields count.
/// </summary>
internal readonly struct MbrPartitionEntry
{
    /// <summary>The entry's size in bytes.</summary>
    public const int Size = 16;

    /// <summary>FAT16 with 65536 sectors or more (type 0x06).</summary>
    public const byte Fat16Type = 0x06;

    /// <summary>FAT32 addressed by LBA (type 0x0C).</summary>
    public const byte Fat32LbaType = 0x0C;

    private const int StatusOffset = 0;
    private const int FirstChsOffset = 1;
    private const int TypeOffset = 4;
    private const int LastChsOffset = 5;
    private const int FirstLbaOffset = 8;
    private const int SectorCountOffset = 12;
    private const int Heads = 255;
    private const int SectorsPerTrack = 63;
    private const int MaxCylinder = 1023;

    public byte Type { get; init; }

    public uint FirstSector { get; init; }

    public uint SectorCount { get; init; }

    /// <summary>Writes the entry into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        Span<byte> entry = destination[..Size];
        entry.Clear();
        entry[StatusOffset] = 0; // not active: a data disk boots nothing
        WriteChs(entry[FirstChsOffset..], FirstSector);
        entry[TypeOffset] = Type;
        WriteChs(entry[LastChsOffset..], FirstSector + SectorCount - 1);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[FirstLbaOffset..], FirstSector);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[SectorCountOffset..], SectorCount);
    }

    /// <summary>CHS in the MBR's packing: head; sector (bits 0-5) with cylinder bits 8-9 (6-7); cylinder bits 0-7.</summary>
    private static void WriteChs(Span<byte> destination, uint lba)
    {
        long cylinder = lba / (Heads * SectorsPerTrack);
        int head = (int)(lba / SectorsPerTrack % Heads);
        int sector = (int)(lba % SectorsPerTrack) + 1;
        if (cylinder > MaxCylinder)
        {
            (cylinder, head, sector) = (MaxCylinder, Heads - 1, SectorsPerTrack);
        }

        destination[0] = (byte)head;
        destination[1] = (byte)((sector & 0x3F) | (int)((cylinder >> 2) & 0xC0));
        destination[2] = (byte)cylinder;
    }
}
