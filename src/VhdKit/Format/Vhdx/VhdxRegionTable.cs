using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// The 64 KiB region table (two copies, at 192 KiB and 256 KiB): a 16-byte header (<c>regi</c>, CRC-32C over all
/// 64 KiB, entry count) and up to 2047 entries naming the BAT and metadata regions and any others.
/// </summary>
public readonly record struct VhdxRegionTable
{
    /// <summary>The structure's size: 64 KiB (the CRC covers all of it).</summary>
    public const int Size = VhdxLayout.KiB64;

    /// <summary>The size of the table's header: 16 bytes.</summary>
    public const int HeaderSize = 16;

    /// <summary>The most entries a table may hold: 2047.</summary>
    public const int MaxEntries = 2047;

    private const int ChecksumOffset = 4;
    private const int EntryCountOffset = 8;

    /// <summary>The header's fields, in order.</summary>
    public static readonly FieldSpan[] HeaderFields =
    [
        new("Signature", 0, 4),
        new("Checksum", ChecksumOffset, 4),
        new("EntryCount", EntryCountOffset, 4),
        new("Reserved", 12, 4),
    ];

    /// <summary>The signature: <c>regi</c>.</summary>
    public static ReadOnlySpan<byte> Signature => "regi"u8;

    /// <summary>Whether the signature was <c>regi</c>.</summary>
    public bool HasValidSignature { get; init; }

    /// <summary>The CRC-32C stored in the file.</summary>
    public uint Checksum { get; init; }

    /// <summary>The CRC-32C computed over the bytes read.</summary>
    public uint ComputedChecksum { get; init; }

    /// <summary>The entry count as stored.</summary>
    public uint EntryCount { get; init; }

    /// <summary>The entries (at most 2047 are read, whatever the count says).</summary>
    public ImmutableArray<VhdxRegionEntry> Entries { get; init; }

    /// <summary>Whether the table is usable: signature, CRC-32C, and a count of at most 2047.</summary>
    public bool IsValid => HasValidSignature && Checksum == ComputedChecksum && EntryCount <= MaxEntries;

    /// <summary>Reads a table. Does not validate: see <see cref="IsValid"/> and <see cref="Validate"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 64 KiB.</exception>
    public static VhdxRegionTable Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "region table");
        source = source[..Size];
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(source[EntryCountOffset..]);
        int read = (int)Math.Min(count, MaxEntries);
        var entries = ImmutableArray.CreateBuilder<VhdxRegionEntry>(read);
        for (int i = 0; i < read; i++)
        {
            entries.Add(VhdxRegionEntry.Parse(source.Slice(HeaderSize + (i * VhdxRegionEntry.Size))));
        }

        return new VhdxRegionTable
        {
            HasValidSignature = source.StartsWith(Signature),
            Checksum = BinaryPrimitives.ReadUInt32LittleEndian(source[ChecksumOffset..]),
            ComputedChecksum = VhdxChecksum.Compute(source, ChecksumOffset),
            EntryCount = count,
            Entries = entries.MoveToImmutable(),
        };
    }

    /// <summary>Writes the table (reserved bytes zero) with a freshly computed CRC-32C.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 64 KiB, or there are more than 2047 entries.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "region table");
        ImmutableArray<VhdxRegionEntry> entries = Entries.IsDefault ? [] : Entries;
        if (entries.Length > MaxEntries)
        {
            throw new ArgumentException($"A region table holds {MaxEntries} entries; {entries.Length} were given.", nameof(destination));
        }

        Span<byte> target = destination[..Size];
        target.Clear();
        Signature.CopyTo(target);
        BinaryPrimitives.WriteUInt32LittleEndian(target[EntryCountOffset..], (uint)entries.Length);
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i].WriteTo(target.Slice(HeaderSize + (i * VhdxRegionEntry.Size)));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(target[ChecksumOffset..], VhdxChecksum.Compute(target, ChecksumOffset));
    }

    /// <summary>The entry for <paramref name="id"/>, or null.</summary>
    public VhdxRegionEntry? Find(Guid id)
    {
        foreach (VhdxRegionEntry entry in Entries)
        {
            if (entry.Id == id)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks the entries of a valid table: each region 1 MiB aligned, from 1 MiB, inside a file of
    /// <paramref name="fileLength"/> bytes, not overlapping another; the BAT and metadata regions present once; no
    /// unknown region marked required.
    /// </summary>
    /// <param name="at">The table's offset in the file, for the message.</param>
    /// <param name="fileLength">The file's length.</param>
    /// <exception cref="VhdxFormatException">An entry is out of place, a known region is missing or repeated, or an unknown one is required.</exception>
    public void Validate(long at, long fileLength)
    {
        const string Structure = "VHDX region table";
        for (int i = 0; i < Entries.Length; i++)
        {
            VhdxRegionEntry entry = Entries[i];
            long entryAt = at + HeaderSize + (i * VhdxRegionEntry.Size);
            string name = VhdxGuids.NameOf(entry.Id) ?? entry.Id.ToString();
            bool known = entry.Id == VhdxGuids.BatRegion || entry.Id == VhdxGuids.MetadataRegion;
            if (!known && entry.IsRequired)
            {
                throw new VhdxFormatException(
                    $"VHDX region table entry {i} at offset 0x{entryAt:X} names region {entry.Id}, which is marked required and unknown to VhdKit; expected only the BAT and metadata regions to be required. The file is refused, as the format requires.");
            }

            if (entry.FileOffset < VhdxLayout.HeaderSectionSize || entry.FileOffset % VhdxLayout.MiB != 0 || entry.Length == 0 || entry.Length % VhdxLayout.MiB != 0
                || entry.FileOffset > (ulong)fileLength || entry.Length > (ulong)fileLength - entry.FileOffset)
            {
                throw FormatErrors.VhdxField(Structure, $"entry {i} ({name})", entryAt + 16,
                    $"a region 1 MiB aligned from 1 MiB, a non-zero multiple of 1 MiB long, inside the file ({FormatErrors.Hex((ulong)fileLength)} bytes)",
                    string.Create(CultureInfo.InvariantCulture, $"offset {FormatErrors.Hex(entry.FileOffset)}, length {FormatErrors.Hex(entry.Length)}"));
            }

            for (int j = 0; j < i; j++)
            {
                VhdxRegionEntry other = Entries[j];
                if (other.Id == entry.Id && known)
                {
                    throw FormatErrors.VhdxField(Structure, $"entry {i} ({name})", entryAt, "each known region once", $"a second {name} region (entry {j} is the first)");
                }

                if (entry.FileOffset < other.FileOffset + other.Length && other.FileOffset < entry.FileOffset + entry.Length)
                {
                    throw FormatErrors.VhdxField(Structure, $"entry {i} ({name})", entryAt + 16, $"a region apart from entry {j}",
                        $"[{FormatErrors.Hex(entry.FileOffset)}, +{FormatErrors.Hex(entry.Length)}) overlapping [{FormatErrors.Hex(other.FileOffset)}, +{FormatErrors.Hex(other.Length)})");
                }
            }
        }

        foreach (Guid required in (ReadOnlySpan<Guid>)[VhdxGuids.BatRegion, VhdxGuids.MetadataRegion])
        {
            if (Find(required) is null)
            {
                throw FormatErrors.VhdxField(Structure, "entries", at + HeaderSize, $"a {VhdxGuids.NameOf(required)} region", "none");
            }
        }
    }
}
