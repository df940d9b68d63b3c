using System.Buffers.Binary;

namespace VhdKit.Format;

/// <summary>One of the eight 24-byte parent locator entries of a dynamic header.</summary>
public readonly record struct ParentLocatorEntry
{
    /// <summary>The size of the structure: 24 bytes.</summary>
    public const int Size = 24;

    internal const int PlatformCodeOffset = 0;
    internal const int PlatformDataSpaceOffset = 4;
    internal const int PlatformDataLengthOffset = 8;
    internal const int ReservedOffset = 12;
    internal const int PlatformDataOffsetOffset = 16;

    internal static readonly FieldSpan[] Fields =
    [
        new("PlatformCode", PlatformCodeOffset, 4),
        new("PlatformDataSpace", PlatformDataSpaceOffset, 4),
        new("PlatformDataLength", PlatformDataLengthOffset, 4),
        new("Reserved", ReservedOffset, 4),
        new("PlatformDataOffset", PlatformDataOffsetOffset, 8),
    ];

    /// <summary>The platform code.</summary>
    public ParentLocatorPlatform Platform { get; init; }

    /// <summary>The space reserved for the data, as stored (sectors per the spec, bytes in practice).</summary>
    public uint PlatformDataSpace { get; init; }

    /// <summary>The length of the locator text in bytes.</summary>
    public uint PlatformDataLength { get; init; }

    /// <summary>The reserved field (should be zero).</summary>
    public uint Reserved { get; init; }

    /// <summary>The absolute file offset of the locator text.</summary>
    public ulong PlatformDataOffset { get; init; }

    /// <summary>Whether the entry is in use.</summary>
    public bool IsUsed => Platform != ParentLocatorPlatform.None;

    /// <summary>
    /// The reserved space in bytes. The spec says sectors, but Virtual PC, Hyper-V and most tools write bytes;
    /// read tolerantly: a value below 512 is taken as sectors, anything else as bytes.
    /// </summary>
    public long DataSpaceInBytes => PlatformDataSpace < VhdConstants.SectorSize
        ? (long)PlatformDataSpace * VhdConstants.SectorSize
        : PlatformDataSpace;

    /// <summary>Reads an entry.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 24 bytes.</exception>
    public static ParentLocatorEntry Parse(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"A parent locator entry is {Size} bytes; {source.Length} were given.", nameof(source));
        }

        return new ParentLocatorEntry
        {
            Platform = (ParentLocatorPlatform)BinaryPrimitives.ReadUInt32BigEndian(source[PlatformCodeOffset..]),
            PlatformDataSpace = BinaryPrimitives.ReadUInt32BigEndian(source[PlatformDataSpaceOffset..]),
            PlatformDataLength = BinaryPrimitives.ReadUInt32BigEndian(source[PlatformDataLengthOffset..]),
            Reserved = BinaryPrimitives.ReadUInt32BigEndian(source[ReservedOffset..]),
            PlatformDataOffset = BinaryPrimitives.ReadUInt64BigEndian(source[PlatformDataOffsetOffset..]),
        };
    }

    /// <summary>Writes the entry.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 24 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A parent locator entry is {Size} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[PlatformCodeOffset..], (uint)Platform);
        BinaryPrimitives.WriteUInt32BigEndian(destination[PlatformDataSpaceOffset..], PlatformDataSpace);
        BinaryPrimitives.WriteUInt32BigEndian(destination[PlatformDataLengthOffset..], PlatformDataLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[ReservedOffset..], Reserved);
        BinaryPrimitives.WriteUInt64BigEndian(destination[PlatformDataOffsetOffset..], PlatformDataOffset);
    }
}
