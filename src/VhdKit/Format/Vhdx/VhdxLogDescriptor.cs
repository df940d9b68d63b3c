using System.Buffers.Binary;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// One 32-byte log descriptor: a zero descriptor (<c>zero</c>: zero <see cref="ZeroLength"/> bytes at
/// <see cref="FileOffset"/>) or a data descriptor (<c>desc</c>: write one 4 KiB sector at <see cref="FileOffset"/>,
/// made of <see cref="LeadingBytes"/>, the data sector's 4084 bytes, and <see cref="TrailingBytes"/>).
/// </summary>
public readonly record struct VhdxLogDescriptor
{
    /// <summary>The descriptor's size: 32 bytes.</summary>
    public const int Size = 32;

    /// <summary>The fields of a data descriptor, in order (a zero descriptor has Reserved and ZeroLength at 4 and 8).</summary>
    public static readonly FieldSpan[] Fields =
    [
        new("Signature", 0, 4),
        new("TrailingBytes", 4, 4),
        new("LeadingBytes", 8, 8),
        new("FileOffset", 16, 8),
        new("SequenceNumber", 24, 8),
    ];

    /// <summary>The zero descriptor's signature: <c>zero</c>.</summary>
    public static ReadOnlySpan<byte> ZeroSignature => "zero"u8;

    /// <summary>The data descriptor's signature: <c>desc</c>.</summary>
    public static ReadOnlySpan<byte> DataSignature => "desc"u8;

    /// <summary>Whether this is a data descriptor (else a zero descriptor).</summary>
    public bool IsData { get; init; }

    /// <summary>Data descriptor: the last 4 bytes of the sector written (the data sector holds the middle 4084).</summary>
    public uint TrailingBytes { get; init; }

    /// <summary>Data descriptor: the first 8 bytes of the sector written.</summary>
    public ulong LeadingBytes { get; init; }

    /// <summary>Zero descriptor: how many bytes to zero (a multiple of 4 KiB).</summary>
    public ulong ZeroLength { get; init; }

    /// <summary>The absolute file offset written (a multiple of 4 KiB).</summary>
    public ulong FileOffset { get; init; }

    /// <summary>Must equal the entry's sequence number.</summary>
    public ulong SequenceNumber { get; init; }

    /// <summary>Reads a descriptor, or returns null when the signature is neither <c>zero</c> nor <c>desc</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 32 bytes.</exception>
    public static VhdxLogDescriptor? Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "log descriptor");
        bool isData = source.StartsWith(DataSignature);
        if (!isData && !source.StartsWith(ZeroSignature))
        {
            return null;
        }

        ulong eight = BinaryPrimitives.ReadUInt64LittleEndian(source[8..]);
        return new VhdxLogDescriptor
        {
            IsData = isData,
            TrailingBytes = isData ? BinaryPrimitives.ReadUInt32LittleEndian(source[4..]) : 0,
            LeadingBytes = isData ? eight : 0,
            ZeroLength = isData ? 0 : eight,
            FileOffset = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            SequenceNumber = BinaryPrimitives.ReadUInt64LittleEndian(source[24..]),
        };
    }

    /// <summary>Writes the descriptor.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 32 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "log descriptor");
        destination[..Size].Clear();
        (IsData ? DataSignature : ZeroSignature).CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], IsData ? TrailingBytes : 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], IsData ? LeadingBytes : ZeroLength);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], FileOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], SequenceNumber);
    }

    /// <summary>The data descriptor that writes the 4 KiB <paramref name="sector"/> at <paramref name="fileOffset"/> in the entry numbered <paramref name="sequenceNumber"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="sector"/> is shorter than 4 KiB.</exception>
    public static VhdxLogDescriptor ForSector(ReadOnlySpan<byte> sector, ulong fileOffset, ulong sequenceNumber)
    {
        VhdxFields.RequireLength(sector, VhdxLayout.LogSectorSize, "sector");
        return new VhdxLogDescriptor
        {
            IsData = true,
            LeadingBytes = BinaryPrimitives.ReadUInt64LittleEndian(sector),
            TrailingBytes = BinaryPrimitives.ReadUInt32LittleEndian(sector[(VhdxLayout.LogSectorSize - 4)..]),
            FileOffset = fileOffset,
            SequenceNumber = sequenceNumber,
        };
    }
}
