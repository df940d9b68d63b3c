using System.Buffers.Binary;

namespace VhdKit.Format.Vhdx;

/// <summary>One 32-byte metadata table entry: the item's GUID, offset in the metadata region, length and flags.</summary>
public readonly record struct VhdxMetadataEntry
{
    /// <summary>The entry's size: 32 bytes.</summary>
    public const int Size = 32;

    /// <summary>The most bytes one item may hold: 1 MiB.</summary>
    public const int MaxItemLength = VhdxLayout.MiB;

    private const uint IsUserBit = 1;
    private const uint IsVirtualDiskBit = 2;
    private const uint IsRequiredBit = 4;

    /// <summary>The fields, in order.</summary>
    public static readonly FieldSpan[] Fields =
    [
        new("ItemId", 0, 16),
        new("Offset", 16, 4),
        new("Length", 20, 4),
        new("Flags", 24, 4),
        new("Reserved2", 28, 4),
    ];

    /// <summary>Which item.</summary>
    public Guid ItemId { get; init; }

    /// <summary>The item's offset from the start of the metadata region (at least 64 KiB unless the length is 0).</summary>
    public uint Offset { get; init; }

    /// <summary>The item's length in bytes (at most 1 MiB).</summary>
    public uint Length { get; init; }

    /// <summary>A user item (as opposed to a system item).</summary>
    public bool IsUser { get; init; }

    /// <summary>The item describes the virtual disk (copied with it), as opposed to the file.</summary>
    public bool IsVirtualDisk { get; init; }

    /// <summary>A reader that does not know the item must refuse the file.</summary>
    public bool IsRequired { get; init; }

    /// <summary>Reads an entry.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 32 bytes.</exception>
    public static VhdxMetadataEntry Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "metadata table entry");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]);
        return new VhdxMetadataEntry
        {
            ItemId = new Guid(source[..16]),
            Offset = BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            Length = BinaryPrimitives.ReadUInt32LittleEndian(source[20..]),
            IsUser = (flags & IsUserBit) != 0,
            IsVirtualDisk = (flags & IsVirtualDiskBit) != 0,
            IsRequired = (flags & IsRequiredBit) != 0,
        };
    }

    /// <summary>Writes the entry (reserved bits zero).</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "metadata table entry");
        destination[..Size].Clear();
        ItemId.TryWriteBytes(destination[..16]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], Length);
        uint flags = (IsUser ? IsUserBit : 0) | (IsVirtualDisk ? IsVirtualDiskBit : 0) | (IsRequired ? IsRequiredBit : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], flags);
    }
}
