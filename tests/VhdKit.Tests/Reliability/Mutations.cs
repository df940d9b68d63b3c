using System.Buffers.Binary;
using VhdKit.Format;

namespace VhdKit.Tests.Reliability;

/// <summary>One corrupted variant of an image: <see cref="Patch"/> laid at <see cref="Offset"/>, the file cut or extended to <see cref="Length"/>.</summary>
public sealed record Mutation(string What, long Offset, byte[] Patch, long Length);

/// <summary>
/// The deterministic mutations of one valid image: boundary values in every field of the footers, the dynamic
/// header, the locator entries and the first BAT entries (each with the structure's checksum left stale and
/// recomputed), every single-bit flip of those structures, and truncation at every sector boundary and at every
/// structure edge (±1).
/// </summary>
public static class Mutations
{
    private static readonly (string Name, int Offset, int Size)[] FooterFields =
    [
        ("cookie", 0, 8), ("features", 8, 4), ("version", 12, 4), ("dataOffset", 16, 8), ("timestamp", 24, 4),
        ("creatorApp", 28, 4), ("creatorVersion", 32, 4), ("creatorHost", 36, 4), ("originalSize", 40, 8),
        ("currentSize", 48, 8), ("cylinders", 56, 2), ("heads", 58, 1), ("sectorsPerTrack", 59, 1), ("diskType", 60, 4),
        ("checksum", 64, 4), ("uniqueId", 68, 8), ("uniqueId+8", 76, 8), ("savedState", 84, 1), ("reserved", 85, 4),
    ];

    private static readonly (string Name, int Offset, int Size)[] HeaderFields =
    [
        ("cookie", 0, 8), ("dataOffset", 8, 8), ("tableOffset", 16, 8), ("version", 24, 4), ("maxTableEntries", 28, 4),
        ("blockSize", 32, 4), ("checksum", 36, 4), ("parentId", 40, 8), ("parentTimestamp", 56, 4), ("reserved", 60, 4),
        ("parentName", 64, 8),
    ];

    private static readonly (string Name, int Offset, int Size)[] LocatorFields =
    [
        ("code", 0, 4), ("dataSpace", 4, 4), ("dataLength", 8, 4), ("reserved", 12, 4), ("dataOffset", 16, 8),
    ];

    public static IEnumerable<Mutation> Of(byte[] image)
    {
        long length = image.Length;
        long endFooter = length - VhdFooter.Size;
        VhdFooter footer = VhdFooter.Parse(image.AsSpan((int)endFooter, VhdFooter.Size));
        var edges = new SortedSet<long> { 0, VhdFooter.Size, endFooter, length };

        foreach (Mutation m in Structure("end footer", image, endFooter, VhdFooter.Size, 64, FooterFields, length))
        {
            yield return m;
        }

        if (footer.DiskType != VhdDiskType.Fixed)
        {
            foreach (Mutation m in Structure("footer copy", image, 0, VhdFooter.Size, 64, FooterFields, length))
            {
                yield return m;
            }

            long headerAt = (long)footer.DataOffset;
            DynamicHeader header = DynamicHeader.Parse(image.AsSpan((int)headerAt, DynamicHeader.Size));
            edges.UnionWith([headerAt, headerAt + DynamicHeader.Size]);
            (string, int, int)[] headerFields = [.. HeaderFields];
            for (int i = 0; i < DynamicHeader.LocatorCount; i++)
            {
                headerFields = [.. headerFields, .. LocatorFields.Select(f => ($"locator{i}.{f.Name}", 576 + (24 * i) + f.Offset, f.Size))];
                ParentLocatorEntry entry = ParentLocatorEntry.Parse(image.AsSpan((int)headerAt + 576 + (24 * i), ParentLocatorEntry.Size));
                if (entry.PlatformDataLength > 0)
                {
                    long at = (long)entry.PlatformDataOffset;
                    edges.UnionWith([at, at + entry.PlatformDataLength]);
                    foreach (Mutation m in BitFlips($"locator{i} data", image, at, (int)Math.Min(entry.PlatformDataLength, 128), null, length))
                    {
                        yield return m;
                    }
                }
            }

            foreach (Mutation m in Structure("header", image, headerAt, DynamicHeader.Size, 36, headerFields, length))
            {
                yield return m;
            }

            long table = (long)header.TableOffset;
            int batBytes = (int)header.MaxTableEntries * 4;
            edges.UnionWith([table, table + batBytes]);
            (string, int, int)[] entries = [.. Enumerable.Range(0, (int)Math.Min(header.MaxTableEntries, 16)).Select(i => ($"bat[{i}]", i * 4, 4))];
            foreach (Mutation m in Fields("BAT", image, table, batBytes, null, entries, length))
            {
                yield return m;
            }

            foreach (Mutation m in BitFlips("BAT", image, table, Math.Min(batBytes, 512), null, length))
            {
                yield return m;
            }

            for (int i = 0; i < header.MaxTableEntries; i++)
            {
                uint entry = BinaryPrimitives.ReadUInt32BigEndian(image.AsSpan((int)table + (i * 4)));
                if (entry != uint.MaxValue)
                {
                    long block = (long)entry * 512;
                    edges.UnionWith([block, block + 512, block + 512 + header.BlockSize]);
                    foreach (Mutation m in BitFlips($"bitmap of block {i}", image, block, 16, null, length))
                    {
                        yield return m;
                    }
                }
            }
        }

        var cuts = new SortedSet<long>();
        for (long at = 0; at < length; at += 512)
        {
            cuts.Add(at);
        }

        foreach (long edge in edges)
        {
            cuts.UnionWith([edge - 1, edge, edge + 1]);
        }

        cuts.UnionWith([length + 1, length + 511, length + 512]);
        foreach (long cut in cuts.Where(c => c >= 0 && c != length))
        {
            yield return new Mutation($"length {cut}", 0, [], cut);
        }
    }

    private static IEnumerable<Mutation> Structure(string what, byte[] image, long at, int size, int checksumAt,
        (string Name, int Offset, int Size)[] fields, long length) =>
        Fields(what, image, at, size, checksumAt, fields, length).Concat(BitFlips(what, image, at, size, checksumAt, length));

    /// <summary>Boundary values in each field; with a checksum, each both with the stale one and a recomputed one.</summary>
    private static IEnumerable<Mutation> Fields(string what, byte[] image, long at, int size, int? checksumAt,
        (string Name, int Offset, int Size)[] fields, long length)
    {
        foreach ((string name, int offset, int fieldSize) in fields)
        {
            ulong original = ReadField(image.AsSpan((int)at + offset, fieldSize));
            ulong[] values =
            [
                0, 1, 2, 0x7F, 0x80, 0xFF, 0x1FF, 0x200, 0x201, 0xFFF, 0x1000, 0xFFFF, 0x10000, 0x100000,
                0x7FFFFFFF, 0x80000000, 0xFEFFFFFF, 0xFF000000, 0xFFFFFFFE, 0xFFFFFFFF, 0x100000000,
                0x7FFFFFFFFFFFFFFF, 0x8000000000000000, ulong.MaxValue - 1, ulong.MaxValue,
                original + 1, original - 1, original * 2, original >> 1, (ulong)length, (ulong)length - 512,
                (ulong)length / 512, ((ulong)length / 512) - 1,
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

    private static IEnumerable<Mutation> BitFlips(string what, byte[] image, long at, int size, int? checksumAt, long length)
    {
        for (int bit = 0; bit < size * 8; bit++)
        {
            foreach (bool fixChecksum in checksumAt is null ? [false] : new[] { false, true })
            {
                byte[] patch = image.AsSpan((int)at, size).ToArray();
                patch[bit / 8] ^= (byte)(0x80 >> (bit % 8));
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
        foreach (byte b in field)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Writes the low bytes of <paramref name="value"/>, big-endian.</summary>
    private static void WriteField(Span<byte> field, ulong value)
    {
        for (int i = field.Length - 1; i >= 0; i--)
        {
            field[i] = (byte)value;
            value >>= 8;
        }
    }

    /// <summary>The ones' complement of the byte sum with the checksum field taken as zero (REFERENCE §3).</summary>
    private static void FixChecksum(byte[] structure, int checksumAt)
    {
        structure.AsSpan(checksumAt, 4).Clear();
        uint sum = 0;
        foreach (byte b in structure)
        {
            sum += b;
        }

        BinaryPrimitives.WriteUInt32BigEndian(structure.AsSpan(checksumAt), ~sum);
    }
}
