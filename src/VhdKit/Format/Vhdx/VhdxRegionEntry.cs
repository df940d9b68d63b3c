using System.Buffers.Binary;

namespace VhdKit.Format.Vhdx;

/// <summary>One 32-byte region table entry: a region's GUID, absolute offset, length, and whether it is required.</summary>
public readonly record struct VhdxRegionEntry
{
    /// <summary>The entry's size: 32 bytes.</summary>
    public const int Size = 32;

    /// <summary>The fields, in order.</summary>
    public static readonly FieldSpan[] Fields =
    [
        new("Guid", 0, 16),
        new("FileOffset", 16, 8),
        new("Length", 24, 4),
        new("Required", 28, 4),
    ];

    /// <summary>Which region (BAT, metadata, or another one).</summary>
    public Guid Id { get; init; }

    /// <summary>The region's absolute offset (a multiple of 1 MiB, at least 1 MiB).</summary>
    public ulong FileOffset { get; init; }

    /// <summary>The region's length (a multiple of 1 MiB).</summary>
    public uint Length { get; init; }

    /// <summary>Whether a reader that does not know the region must refuse the file (bit 0 of the last field).</summary>
    public bool IsRequired { get; init; }

    /// <summary>The 31 reserved bits of the last field, as read.</summary>
    public uint ReservedBits { get; init; }

    /// <summary>Reads an entry.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 32 bytes.</exception>
    public static VhdxRegionEntry Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "region table entry");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(source[28..]);
        return new VhdxRegionEntry
        {
            Id = new Guid(source[..16]),
            FileOffset = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            Length = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]),
            IsRequired = (flags & 1) != 0,
            ReservedBits = flags & ~1u,
        };
    }

    /// <summary>Writes the entry (reserved bits zero).</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "region table entry");
        Id.TryWriteBytes(destination[..16]);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], FileOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], IsRequired ? 1u : 0u);
    }
}
