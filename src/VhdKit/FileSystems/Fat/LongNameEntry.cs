using System.Buffers.Binary;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// VFAT long-name entries (fatgen103, "FAT Long Directory Entries"): 13 UTF-16 units each, in three pieces (offsets
/// 1, 14, 28), the order number at 0 (0x40 marks the last, which is stored first), attribute 0x0F at 11, and at 13 the
/// checksum of the short name they belong to. A name that does not fill its last entry ends with 0x0000, then 0xFFFF.
/// </summary>
internal static class LongNameEntry
{
    /// <summary>UTF-16 units one entry holds.</summary>
    public const int UnitsPerEntry = 13;

    /// <summary>The longest long name: 255 UTF-16 units.</summary>
    public const int MaxLength = 255;

    private const byte LastEntryFlag = 0x40;
    private const int OrderOffset = 0;
    private const int AttributesOffset = 11;
    private const int ChecksumOffset = 13;

    // Where each of the 13 units sits in the entry: 5 at 1, 6 at 14, 2 at 28.
    private static ReadOnlySpan<byte> UnitOffsets => [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

    /// <summary>How many entries a long name of <paramref name="length"/> UTF-16 units takes.</summary>
    public static int CountFor(int length) => (length + UnitsPerEntry - 1) / UnitsPerEntry;

    /// <summary>
    /// The checksum of an 11-byte short name (fatgen103, ChkSum): for each byte, rotate the sum right by one bit
    /// (8-bit) and add the byte.
    /// </summary>
    public static byte Checksum(ReadOnlySpan<byte> shortName)
    {
        byte sum = 0;
        foreach (byte b in shortName[..ShortName.Length])
        {
            sum = (byte)(((sum & 1) << 7) + (sum >> 1) + b);
        }

        return sum;
    }

    /// <summary>
    /// Writes the long-name entries of <paramref name="name"/> for the short name whose checksum is
    /// <paramref name="checksum"/>, in on-disk order (the last piece first), into <paramref name="destination"/>
    /// (<see cref="CountFor"/> × 32 bytes).
    /// </summary>
    public static void Write(ReadOnlySpan<char> name, byte checksum, Span<byte> destination)
    {
        int count = CountFor(name.Length);
        for (int i = 0; i < count; i++)
        {
            int order = count - i;
            Span<byte> entry = destination.Slice(i * ShortDirectoryEntry.Size, ShortDirectoryEntry.Size);
            entry.Clear();
            entry[OrderOffset] = (byte)(order | (order == count ? LastEntryFlag : 0));
            entry[AttributesOffset] = (byte)FatAttributes.LongName;
            entry[ChecksumOffset] = checksum;
            int first = (order - 1) * UnitsPerEntry;
            for (int unit = 0; unit < UnitsPerEntry; unit++)
            {
                int at = first + unit;
                ushort value = at < name.Length ? name[at] : at == name.Length ? (ushort)0 : (ushort)0xFFFF;
                BinaryPrimitives.WriteUInt16LittleEndian(entry[UnitOffsets[unit]..], value);
            }
        }
    }
}
