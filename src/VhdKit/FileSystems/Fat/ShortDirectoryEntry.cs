using System.Buffers.Binary;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// A 32-byte short (8.3) directory entry (fatgen103, "FAT Directory Structure"): the 11-byte name, attributes, the
/// Windows NT case byte, creation/access/write times, the first cluster (high and low halves) and the file size.
/// </summary>
internal readonly struct ShortDirectoryEntry
{
    /// <summary>The entry's size in bytes.</summary>
    public const int Size = 32;

    /// <summary>DIR_NTRes bit: the base name is shown in lower case (Windows NT and later, Linux, mtools).</summary>
    public const byte LowerCaseBase = 0x08;

    /// <summary>DIR_NTRes bit: the extension is shown in lower case.</summary>
    public const byte LowerCaseExtension = 0x10;

    private const int NameOffset = 0;
    private const int AttributesOffset = 11;
    private const int CaseOffset = 12;
    private const int CreationTenthsOffset = 13;
    private const int CreationTimeOffset = 14;
    private const int AccessDateOffset = 18;
    private const int FirstClusterHighOffset = 20;
    private const int WriteTimeOffset = 22;
    private const int FirstClusterLowOffset = 26;
    private const int FileSizeOffset = 28;

    /// <summary>The 11 name bytes: 8 of base name and 3 of extension, padded with spaces.</summary>
    public ShortName Name { get; init; }

    public FatAttributes Attributes { get; init; }

    /// <summary>DIR_NTRes: <see cref="LowerCaseBase"/> and <see cref="LowerCaseExtension"/>.</summary>
    public byte CaseFlags { get; init; }

    public FatFileTimes Times { get; init; }

    public uint FirstCluster { get; init; }

    public uint FileSize { get; init; }

    /// <summary>Writes the entry into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        Span<byte> entry = destination[..Size];
        entry.Clear();
        Name.WriteTo(entry[NameOffset..]);
        entry[AttributesOffset] = (byte)Attributes;
        entry[CaseOffset] = CaseFlags;
        entry[CreationTenthsOffset] = FatTimestamp.Tenths(Times.Created);
        FatTimestamp.WriteTimeAndDate(entry[CreationTimeOffset..], Times.Created);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[AccessDateOffset..], FatTimestamp.Date(Times.Accessed));
        BinaryPrimitives.WriteUInt16LittleEndian(entry[FirstClusterHighOffset..], (ushort)(FirstCluster >> 16));
        FatTimestamp.WriteTimeAndDate(entry[WriteTimeOffset..], Times.Modified);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[FirstClusterLowOffset..], (ushort)FirstCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[FileSizeOffset..], FileSize);
    }
}
