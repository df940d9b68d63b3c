using System.Buffers.Binary;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// A 4 KiB log data sector (<c>data</c>): the sequence number split in two (high 32 bits at 4, low at 4092) around the
/// 4084 middle bytes of the sector its data descriptor writes.
/// </summary>
public static class VhdxLogDataSector
{
    /// <summary>The offset of the 4084 data bytes.</summary>
    public const int DataOffset = 8;

    /// <summary>The number of data bytes: 4084.</summary>
    public const int DataLength = 4084;

    /// <summary>The fields, in order.</summary>
    public static readonly FieldSpan[] Fields =
    [
        new("Signature", 0, 4),
        new("SequenceHigh", 4, 4),
        new("Data", DataOffset, DataLength),
        new("SequenceLow", 4092, 4),
    ];

    /// <summary>The signature: <c>data</c>.</summary>
    public static ReadOnlySpan<byte> Signature => "data"u8;

    /// <summary>Whether <paramref name="sector"/> is a data sector of the entry numbered <paramref name="sequenceNumber"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="sector"/> is shorter than 4 KiB.</exception>
    public static bool Belongs(ReadOnlySpan<byte> sector, ulong sequenceNumber)
    {
        VhdxFields.RequireLength(sector, VhdxLayout.LogSectorSize, "log data sector");
        return sector.StartsWith(Signature)
            && BinaryPrimitives.ReadUInt32LittleEndian(sector[4..]) == (uint)(sequenceNumber >> 32)
            && BinaryPrimitives.ReadUInt32LittleEndian(sector[4092..]) == (uint)sequenceNumber;
    }

    /// <summary>The 4 KiB sector the data descriptor <paramref name="descriptor"/> writes, from its data sector.</summary>
    /// <exception cref="ArgumentException">A span is shorter than 4 KiB.</exception>
    public static void Assemble(in VhdxLogDescriptor descriptor, ReadOnlySpan<byte> sector, Span<byte> destination)
    {
        VhdxFields.RequireLength(sector, VhdxLayout.LogSectorSize, "log data sector");
        VhdxFields.RequireLength(destination, VhdxLayout.LogSectorSize, "sector");
        BinaryPrimitives.WriteUInt64LittleEndian(destination, descriptor.LeadingBytes);
        sector.Slice(DataOffset, DataLength).CopyTo(destination[DataOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4092..], descriptor.TrailingBytes);
    }

    /// <summary>Writes a data sector for <paramref name="payload"/> (a 4 KiB sector) in the entry numbered <paramref name="sequenceNumber"/>.</summary>
    /// <exception cref="ArgumentException">A span is shorter than 4 KiB.</exception>
    public static void WriteTo(ReadOnlySpan<byte> payload, ulong sequenceNumber, Span<byte> destination)
    {
        VhdxFields.RequireLength(payload, VhdxLayout.LogSectorSize, "sector");
        VhdxFields.RequireLength(destination, VhdxLayout.LogSectorSize, "log data sector");
        Signature.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)(sequenceNumber >> 32));
        payload.Slice(DataOffset, DataLength).CopyTo(destination[DataOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4092..], (uint)sequenceNumber);
    }
}
