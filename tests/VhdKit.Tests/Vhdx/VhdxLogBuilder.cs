using System.Buffers.Binary;
using VhdKit.Format.Vhdx;

namespace VhdKit.Tests.Vhdx;

/// <summary>Builds VHDX log entries by hand (MS-VHDX 2.3.1) and puts pending logs into files.</summary>
internal static class VhdxLogBuilder
{
    /// <summary>One descriptor: a 4 KiB sector to write (<paramref name="Data"/>) or, when null, <paramref name="ZeroLength"/> bytes to zero.</summary>
    public sealed record Write(long Offset, byte[]? Data, long ZeroLength = 0);

    public static byte[] Entry(ulong sequence, uint tail, Guid logGuid, ulong flushed, ulong last, params Write[] writes)
    {
        int dataSectors = writes.Count(w => w.Data is not null);
        int descriptorSectors = (64 + (32 * writes.Length) + 4095) / 4096;
        var entry = new byte[(descriptorSectors + dataSectors) * 4096];
        new VhdxLogEntryHeader
        {
            EntryLength = (uint)entry.Length,
            Tail = tail,
            SequenceNumber = sequence,
            DescriptorCount = (uint)writes.Length,
            LogGuid = logGuid,
            FlushedFileOffset = flushed,
            LastFileOffset = last,
        }.WriteTo(entry);
        int dataIndex = descriptorSectors;
        for (int i = 0; i < writes.Length; i++)
        {
            Write w = writes[i];
            var descriptor = w.Data is null
                ? new VhdxLogDescriptor { ZeroLength = (ulong)w.ZeroLength, FileOffset = (ulong)w.Offset, SequenceNumber = sequence }
                : new VhdxLogDescriptor
                {
                    IsData = true,
                    LeadingBytes = BinaryPrimitives.ReadUInt64LittleEndian(w.Data),
                    TrailingBytes = BinaryPrimitives.ReadUInt32LittleEndian(w.Data.AsSpan(4092)),
                    FileOffset = (ulong)w.Offset,
                    SequenceNumber = sequence,
                };
            descriptor.WriteTo(entry.AsSpan(64 + (32 * i)));
            if (w.Data is not null)
            {
                VhdxLogDataSector.WriteTo(w.Data, sequence, entry.AsSpan(dataIndex++ * 4096));
            }
        }

        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(4), VhdxChecksum.Compute(entry, 4));
        return entry;
    }

    /// <summary>Writes <paramref name="entry"/> into the log at <paramref name="at"/> (wrapping past the log's end to its start).</summary>
    public static void Put(FileStream file, long logOffset, long logLength, long at, byte[] entry)
    {
        for (int done = 0; done < entry.Length; done += 4096)
        {
            file.Position = logOffset + ((at + done) % logLength);
            file.Write(entry, done, 4096);
        }
    }

    /// <summary>Sets <paramref name="logGuid"/> in the current header (sequence number kept) so the log must be replayed.</summary>
    public static void SetLogGuid(FileStream file, Guid logGuid)
    {
        var h1 = new byte[4096];
        var h2 = new byte[4096];
        file.Position = VhdxLayout.Header1Offset;
        file.ReadExactly(h1);
        file.Position = VhdxLayout.Header2Offset;
        file.ReadExactly(h2);
        var first = VhdxHeader.Parse(h1);
        var second = VhdxHeader.Parse(h2);
        int current = VhdxHeader.Choose(first, second);
        VhdxHeader header = (current == 1 ? first : second) with { LogGuid = logGuid };
        var bytes = new byte[4096];
        header.WriteTo(bytes);
        file.Position = current == 1 ? VhdxLayout.Header1Offset : VhdxLayout.Header2Offset;
        file.Write(bytes);
    }
}
