using System.Buffers.Binary;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// The 64-byte header of a log entry (<c>loge</c>): CRC-32C over the whole entry, its length, the tail (oldest
/// entry still needed), sequence number, descriptor count, the log's GUID, and the file sizes it was written at.
/// </summary>
public readonly record struct VhdxLogEntryHeader
{
    /// <summary>The header's size: 64 bytes (descriptors follow it in the entry's first sectors).</summary>
    public const int Size = 64;

    /// <summary>The offset of the checksum field.</summary>
    public const int ChecksumOffset = 4;

    /// <summary>The fields, in order.</summary>
    public static readonly FieldSpan[] Fields =
    [
        new("Signature", 0, 4),
        new("Checksum", ChecksumOffset, 4),
        new("EntryLength", 8, 4),
        new("Tail", 12, 4),
        new("SequenceNumber", 16, 8),
        new("DescriptorCount", 24, 4),
        new("Reserved", 28, 4),
        new("LogGuid", 32, 16),
        new("FlushedFileOffset", 48, 8),
        new("LastFileOffset", 56, 8),
    ];

    /// <summary>The signature: <c>loge</c>.</summary>
    public static ReadOnlySpan<byte> Signature => "loge"u8;

    /// <summary>Whether the signature was <c>loge</c>.</summary>
    public bool HasValidSignature { get; init; }

    /// <summary>The CRC-32C stored (over <see cref="EntryLength"/> bytes, this field as zero).</summary>
    public uint Checksum { get; init; }

    /// <summary>The entry's length in bytes (a multiple of 4 KiB).</summary>
    public uint EntryLength { get; init; }

    /// <summary>The offset, in the log, of the oldest entry the log still needs.</summary>
    public uint Tail { get; init; }

    /// <summary>The entry's sequence number (consecutive entries count up by one).</summary>
    public ulong SequenceNumber { get; init; }

    /// <summary>The number of descriptors.</summary>
    public uint DescriptorCount { get; init; }

    /// <summary>The log's GUID: must equal the header's LogGuid.</summary>
    public Guid LogGuid { get; init; }

    /// <summary>The file size all earlier writes reached when the entry was written (the file must be at least this long).</summary>
    public ulong FlushedFileOffset { get; init; }

    /// <summary>The file size the entry's writes reach (the file is extended to it on replay).</summary>
    public ulong LastFileOffset { get; init; }

    /// <summary>The 4 KiB sectors the header and descriptors take.</summary>
    public long DescriptorSectors => (Size + (DescriptorCount * (long)VhdxLogDescriptor.Size) + VhdxLayout.LogSectorSize - 1) / VhdxLayout.LogSectorSize;

    /// <summary>Reads a header.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 64 bytes.</exception>
    public static VhdxLogEntryHeader Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "log entry header");
        return new VhdxLogEntryHeader
        {
            HasValidSignature = source.StartsWith(Signature),
            Checksum = BinaryPrimitives.ReadUInt32LittleEndian(source[ChecksumOffset..]),
            EntryLength = BinaryPrimitives.ReadUInt32LittleEndian(source[8..]),
            Tail = BinaryPrimitives.ReadUInt32LittleEndian(source[12..]),
            SequenceNumber = BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            DescriptorCount = BinaryPrimitives.ReadUInt32LittleEndian(source[24..]),
            LogGuid = new Guid(source.Slice(32, 16)),
            FlushedFileOffset = BinaryPrimitives.ReadUInt64LittleEndian(source[48..]),
            LastFileOffset = BinaryPrimitives.ReadUInt64LittleEndian(source[56..]),
        };
    }

    /// <summary>Writes the header with a zero checksum (the checksum covers the whole entry: see <see cref="VhdxChecksum"/>).</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 64 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "log entry header");
        destination[..Size].Clear();
        Signature.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[ChecksumOffset..], Checksum);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], EntryLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Tail);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], SequenceNumber);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], DescriptorCount);
        LogGuid.TryWriteBytes(destination.Slice(32, 16));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[48..], FlushedFileOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[56..], LastFileOffset);
    }
}
