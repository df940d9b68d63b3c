using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// The metadata table at the start of the metadata region (64 KiB, no checksum: the log protects it): a 32-byte
/// header (<c>metadata</c>, entry count) and up to 2047 entries.
/// </summary>
public readonly record struct VhdxMetadataTable
{
    /// <summary>The table's size: 64 KiB (items lie after it).</summary>
    public const int Size = VhdxLayout.KiB64;

    /// <summary>The size of the table's header: 32 bytes.</summary>
    public const int HeaderSize = 32;

    /// <summary>The most entries a table may hold: 2047.</summary>
    public const int MaxEntries = 2047;

    private const int EntryCountOffset = 10;

    /// <summary>The header's fields, in order.</summary>
    public static readonly FieldSpan[] HeaderFields =
    [
        new("Signature", 0, 8),
        new("Reserved", 8, 2),
        new("EntryCount", EntryCountOffset, 2),
        new("Reserved2", 12, 20),
    ];

    /// <summary>The signature: <c>metadata</c>.</summary>
    public static ReadOnlySpan<byte> Signature => "metadata"u8;

    /// <summary>The entries.</summary>
    public ImmutableArray<VhdxMetadataEntry> Entries { get; init; }

    /// <summary>Reads and checks a table: signature, count, and each entry's place in a region of <paramref name="regionLength"/> bytes.</summary>
    /// <param name="source">The table's 64 KiB.</param>
    /// <param name="at">The region's offset in the file, for messages.</param>
    /// <param name="regionLength">The metadata region's length.</param>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 64 KiB.</exception>
    /// <exception cref="VhdxFormatException">The signature, count or an entry is wrong, or two entries name one item.</exception>
    public static VhdxMetadataTable Parse(ReadOnlySpan<byte> source, long at, uint regionLength)
    {
        const string Structure = "VHDX metadata table";
        VhdxFields.RequireLength(source, Size, "metadata table");
        if (!source.StartsWith(Signature))
        {
            throw FormatErrors.VhdxField(Structure, "Signature", at, "'metadata'", VhdxFields.Printable(source[..8]));
        }

        ushort count = BinaryPrimitives.ReadUInt16LittleEndian(source[EntryCountOffset..]);
        if (count > MaxEntries)
        {
            throw FormatErrors.VhdxField(Structure, "EntryCount", at + EntryCountOffset, "at most 2047", count.ToString(CultureInfo.InvariantCulture));
        }

        var entries = ImmutableArray.CreateBuilder<VhdxMetadataEntry>(count);
        for (int i = 0; i < count; i++)
        {
            long entryAt = at + HeaderSize + (i * VhdxMetadataEntry.Size);
            VhdxMetadataEntry entry = VhdxMetadataEntry.Parse(source.Slice(HeaderSize + (i * VhdxMetadataEntry.Size)));
            string name = VhdxGuids.NameOf(entry.ItemId) ?? entry.ItemId.ToString();
            bool placed = entry.Length == 0
                ? entry.Offset == 0
                : entry.Length <= VhdxMetadataEntry.MaxItemLength && entry.Offset >= Size && entry.Offset <= regionLength && entry.Length <= regionLength - entry.Offset;
            if (!placed)
            {
                throw FormatErrors.VhdxField(Structure, $"entry {i} ({name})", entryAt + 16,
                    $"an item of at most 1 MiB from offset 0x10000 inside the region ({FormatErrors.Hex(regionLength)} bytes), or offset 0 with length 0",
                    $"offset {FormatErrors.Hex(entry.Offset)}, length {FormatErrors.Hex(entry.Length)}");
            }

            for (int j = 0; j < i; j++)
            {
                if (entries[j].ItemId == entry.ItemId && entries[j].IsUser == entry.IsUser)
                {
                    throw FormatErrors.VhdxField(Structure, $"entry {i} ({name})", entryAt, "each item once", $"a second {name} item (entry {j} is the first)");
                }
            }

            entries.Add(entry);
        }

        return new VhdxMetadataTable { Entries = entries.MoveToImmutable() };
    }

    /// <summary>Writes the table (reserved bytes zero).</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 64 KiB, or there are more than 2047 entries.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "metadata table");
        ImmutableArray<VhdxMetadataEntry> entries = Entries.IsDefault ? [] : Entries;
        if (entries.Length > MaxEntries)
        {
            throw new ArgumentException($"A metadata table holds {MaxEntries} entries; {entries.Length} were given.", nameof(destination));
        }

        Span<byte> target = destination[..Size];
        target.Clear();
        Signature.CopyTo(target);
        BinaryPrimitives.WriteUInt16LittleEndian(target[EntryCountOffset..], (ushort)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i].WriteTo(target.Slice(HeaderSize + (i * VhdxMetadataEntry.Size)));
        }
    }

    /// <summary>The system (non-user) entry for <paramref name="id"/>, or null.</summary>
    public VhdxMetadataEntry? Find(Guid id)
    {
        foreach (VhdxMetadataEntry entry in Entries)
        {
            if (entry.ItemId == id && !entry.IsUser)
            {
                return entry;
            }
        }

        return null;
    }
}
