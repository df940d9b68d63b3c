using System.Buffers.Binary;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// The deterministic mutations of one valid VHDX (<see cref="Mutation"/>, as <see cref="Mutations"/> makes them for
/// VHD), sampling each structure: boundary values in every field of the file identifier, both headers, both region
/// tables, the metadata table and its items, the first BAT entries (and every present one), the log's newest entry
/// (header, descriptors, data sector), each with the structure's CRC-32C left stale and recomputed; single-bit flips of
/// those structures' used bytes and of the sector bitmap; truncation at every structure edge (±1) and every 64 KiB.
/// VHDX fields are little-endian.
/// </summary>
public static class VhdxMutations
{
    private const int ChecksumAt = 4;

    private static readonly (string Name, int Offset, int Size)[] HeaderFields =
    [
        ("signature", 0, 4), ("checksum", 4, 4), ("sequence", 8, 8), ("fileWriteGuid", 16, 8), ("dataWriteGuid", 32, 8),
        ("logGuid", 48, 8), ("logGuid+8", 56, 8), ("logVersion", 64, 2), ("version", 66, 2), ("logLength", 68, 4),
        ("logOffset", 72, 8), ("reserved", 80, 4), ("reserved end", 4092, 4),
    ];

    private static readonly (string Name, int Offset, int Size)[] RegionEntryFields =
    [
        ("guid", 0, 8), ("guid+8", 8, 8), ("fileOffset", 16, 8), ("length", 24, 4), ("required", 28, 4),
    ];

    private static readonly (string Name, int Offset, int Size)[] MetadataEntryFields =
    [
        ("itemId", 0, 8), ("itemId+8", 8, 8), ("offset", 16, 4), ("length", 20, 4), ("flags", 24, 4), ("reserved", 28, 4),
    ];

    private static readonly (string Name, int Offset, int Size)[] LogEntryFields =
    [
        ("signature", 0, 4), ("checksum", 4, 4), ("entryLength", 8, 4), ("tail", 12, 4), ("sequence", 16, 8),
        ("descriptorCount", 24, 4), ("reserved", 28, 4), ("logGuid", 32, 8), ("flushedFileOffset", 48, 8), ("lastFileOffset", 56, 8),
    ];

    private static readonly (string Name, int Offset, int Size)[] LogDescriptorFields =
    [
        ("signature", 0, 4), ("trailing", 4, 4), ("leading", 8, 8), ("fileOffset", 16, 8), ("sequence", 24, 8),
    ];

    public static IEnumerable<Mutation> Of(byte[] image)
    {
        long length = image.Length;
        using var storage = new MemoryStorage(image, "original", canWrite: false);
        using VhdxImage parsed = VhdxImage.Open(storage);
        var edges = new SortedSet<long> { 0, VhdxLayout.Header1Offset, VhdxLayout.Header2Offset, VhdxLayout.RegionTable1Offset, VhdxLayout.RegionTable2Offset, VhdxLayout.MiB, length };
        var all = new List<IEnumerable<Mutation>>
        {
            Fields("identifier", image, 0, 16, null, [("signature", 0, 8)], length),
            BitFlips("identifier", image, 0, 16, null, length),
        };

        foreach ((string name, long at) in new[] { ("header1", VhdxLayout.Header1Offset), ("header2", VhdxLayout.Header2Offset) })
        {
            all.Add(Fields(name, image, at, VhdxHeaderLayout.Size, ChecksumAt, HeaderFields, length));
            all.Add(BitFlips(name, image, at, VhdxHeaderLayout.Size, ChecksumAt, length, bytes: 80));
        }

        int regionBytes = VhdxRegionTable.HeaderSize + (parsed.RegionTable.Entries.Length * VhdxRegionEntry.Size);
        foreach ((string name, long at) in new[] { ("regions1", VhdxLayout.RegionTable1Offset), ("regions2", VhdxLayout.RegionTable2Offset) })
        {
            (string, int, int)[] fields = [("signature", 0, 4), ("checksum", 4, 4), ("entryCount", 8, 4), ("reserved", 12, 4),
                .. Enumerable.Range(0, parsed.RegionTable.Entries.Length).SelectMany(i => RegionEntryFields.Select(f => ($"entry{i}.{f.Name}", 16 + (32 * i) + f.Offset, f.Size)))];
            all.Add(Fields(name, image, at, VhdxRegionTable.Size, ChecksumAt, fields, length));
            all.Add(BitFlips(name, image, at, VhdxRegionTable.Size, ChecksumAt, length, bytes: regionBytes));
        }

        foreach (VhdxRegionEntry region in parsed.RegionTable.Entries)
        {
            edges.UnionWith([(long)region.FileOffset, (long)region.FileOffset + region.Length]);
        }

        long metadataAt = (long)parsed.RegionTable.Find(VhdxGuids.MetadataRegion)!.Value.FileOffset;
        VhdxMetadataTable table = parsed.Metadata.Table;
        (string, int, int)[] tableFields = [("signature", 0, 8), ("reserved", 8, 2), ("entryCount", 10, 2), ("reserved2", 12, 4),
            .. Enumerable.Range(0, table.Entries.Length).SelectMany(i => MetadataEntryFields.Select(f => ($"entry{i}.{f.Name}", 32 + (32 * i) + f.Offset, f.Size)))];
        all.Add(Fields("metadata table", image, metadataAt, VhdxMetadataTable.HeaderSize + (table.Entries.Length * 32), null, tableFields, length));
        all.Add(BitFlips("metadata table", image, metadataAt, VhdxMetadataTable.HeaderSize + (table.Entries.Length * 32), null, length));
        foreach (VhdxMetadataEntry item in table.Entries)
        {
            string name = VhdxGuids.NameOf(item.ItemId) ?? item.ItemId.ToString();
            long at = metadataAt + item.Offset;
            int size = (int)Math.Min(item.Length, 160);
            edges.UnionWith([at, at + item.Length]);
            (string, int, int)[] itemFields = size >= 8 ? [("value", 0, Math.Min(size, 8)), ("value+4", 4, 4)] : [("value", 0, size)];
            all.Add(Fields(name, image, at, size, null, itemFields, length));
            all.Add(BitFlips(name, image, at, size, null, length));
        }

        long batAt = (long)parsed.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        VhdxBatGeometry geometry = parsed.Geometry;
        var entries = new SortedSet<long>(Enumerable.Range(0, (int)Math.Min(geometry.TotalEntries, 8)).Select(i => (long)i));
        for (long index = 0; index < geometry.TotalEntries; index++)
        {
            var entry = new VhdxBatEntry(BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan((int)(batAt + (index * 8)))));
            if (entry.FileOffset != 0)
            {
                entries.Add(index);
                bool bitmap = (index + 1) % (geometry.ChunkRatio + 1) == 0;
                long at = (long)entry.FileOffset;
                edges.UnionWith([at, at + (bitmap ? VhdxLayout.MiB : geometry.BlockSize)]);
                if (bitmap)
                {
                    all.Add(BitFlips($"sector bitmap {index}", image, at, 16, null, length));
                    all.Add(Fields($"sector bitmap {index}", image, at, 64, null, [("bits", 0, 8), ("bits+8", 8, 8)], length));
                }
            }
        }

        long[] sampled = [.. entries.Take(24)];
        int batBytes = (int)(sampled[^1] + 1) * VhdxBatEntry.Size;
        all.Add(Fields("BAT", image, batAt, batBytes, null, [.. sampled.Select(i => ($"bat[{i}]", (int)(i * VhdxBatEntry.Size), VhdxBatEntry.Size))], length));
        all.Add(BitFlips("BAT", image, batAt, (int)Math.Min(geometry.ByteLength, 64), null, length));

        long logAt = (long)parsed.Header.LogOffset;
        edges.UnionWith([logAt, logAt + parsed.Header.LogLength]);
        if (parsed.Header.LogGuid != Guid.Empty)
        {
            all.Add(LogEntry(image, logAt, length));
        }

        var cuts = new SortedSet<long>();
        for (long at = 0; at < length; at += 64 * 1024)
        {
            cuts.Add(at);
        }

        foreach (long edge in edges)
        {
            cuts.UnionWith([edge - 1, edge, edge + 1]);
        }

        cuts.UnionWith([length + 1, length + 4096]);
        all.Add(cuts.Where(c => c >= 0 && c != length).Select(cut => new Mutation($"length {cut}", 0, [], cut)));
        return all.SelectMany(m => m);
    }

    /// <summary>The log entry at the log's start (the only one a fresh writer's first flush leaves): its header, first descriptor and data sector.</summary>
    private static IEnumerable<Mutation> LogEntry(byte[] image, long logAt, long length)
    {
        int entryLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan((int)logAt + 8));
        if (entryLength < 8192 || logAt + entryLength > image.Length)
        {
            yield break;
        }

        (string, int, int)[] fields = [.. LogEntryFields, .. LogDescriptorFields.Select(f => ($"desc0.{f.Name}", 64 + f.Offset, f.Size)),
            ("data.signature", 4096, 4), ("data.sequenceHigh", 4100, 4), ("data.sequenceLow", 8188, 4)];
        foreach (Mutation m in Fields("log entry", image, logAt, entryLength, ChecksumAt, fields, length).Concat(BitFlips("log entry", image, logAt, entryLength, ChecksumAt, length, bytes: 96)))
        {
            yield return m;
        }
    }

    /// <summary>Boundary values in each field; with a checksum, each both with the stale one and a recomputed one.</summary>
    private static IEnumerable<Mutation> Fields(string what, byte[] image, long at, int size, int? checksumAt,
        (string Name, int Offset, int Size)[] fields, long length)
    {
        foreach ((string name, int offset, int fieldSize) in fields)
        {
            ulong original = ReadField(image.AsSpan((int)at + offset, fieldSize));
            ulong[] values =
            [
                0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x1FF, 0x200, 0x1000, 0xFFFF, 0x10000, 0x100000, 0x100001, 0x200000,
                0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, ulong.MaxValue,
                original + 1, original - 1, original * 2, original >> 1, original | 7, original + 0x100000, original - 0x100000,
                (ulong)length, (ulong)length - 0x100000, (ulong)length << 20, ((ulong)length >> 20) - 1,
            ];
            foreach (ulong value in values.Distinct())
            {
                foreach (bool fixChecksum in checksumAt is null ? [false] : new[] { false, true })
                {
                    byte[] patch = image.AsSpan((int)at, size).ToArray();
                    WriteField(patch.AsSpan(offset, fieldSize), value);
                    if (fixChecksum)
                    {
                        FixChecksum(patch, checksumAt!.Value);
                    }

                    yield return new Mutation($"{what} {name}=0x{value:X}{(fixChecksum ? " (checksum fixed)" : "")}", at, patch, length);
                }
            }
        }
    }

    /// <summary>Every single-bit flip of the structure's first <paramref name="bytes"/> bytes (all of it by default).</summary>
    private static IEnumerable<Mutation> BitFlips(string what, byte[] image, long at, int size, int? checksumAt, long length, int bytes = -1)
    {
        int flipped = bytes < 0 ? size : bytes;
        for (int bit = 0; bit < flipped * 8; bit++)
        {
            foreach (bool fixChecksum in checksumAt is null ? [false] : new[] { false, true })
            {
                byte[] patch = image.AsSpan((int)at, size).ToArray();
                patch[bit / 8] ^= (byte)(1 << (bit % 8));
                if (fixChecksum)
                {
                    FixChecksum(patch, checksumAt!.Value);
                }

                yield return new Mutation($"{what} bit {bit}{(fixChecksum ? " (checksum fixed)" : "")}", at, patch, length);
            }
        }
    }

    private static ulong ReadField(ReadOnlySpan<byte> field)
    {
        ulong value = 0;
        for (int i = field.Length - 1; i >= 0; i--)
        {
            value = (value << 8) | field[i];
        }

        return value;
    }

    /// <summary>Writes the low bytes of <paramref name="value"/>, little-endian.</summary>
    private static void WriteField(Span<byte> field, ulong value)
    {
        for (int i = 0; i < field.Length; i++)
        {
            field[i] = (byte)value;
            value >>= 8;
        }
    }

    /// <summary>CRC-32C over the whole structure with the checksum field taken as zero (MS-VHDX 2.2).</summary>
    private static void FixChecksum(byte[] structure, int checksumAt) =>
        BinaryPrimitives.WriteUInt32LittleEndian(structure.AsSpan(checksumAt), VhdxChecksum.Compute(structure, checksumAt));
}
