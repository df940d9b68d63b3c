using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VhdKit.Format;

/// <summary>The 1024-byte header of dynamic and differencing disks.</summary>
public readonly record struct DynamicHeader
{
    /// <summary>The size of the structure: 1024 bytes.</summary>
    public const int Size = DynamicHeaderLayout.Size;

    /// <summary>The number of parent locator entries: 8.</summary>
    public const int LocatorCount = DynamicHeaderLayout.ParentLocatorCount;

    /// <summary>The most UTF-16 characters the parent name field holds: 256.</summary>
    public const int MaxParentNameLength = DynamicHeaderLayout.ParentNameLength / 2;

    /// <summary>Whether the cookie was <c>cxsparse</c>.</summary>
    public bool HasValidCookie { get; init; }

    /// <summary>Next structure's offset (unused; all ones).</summary>
    public ulong DataOffset { get; init; }

    /// <summary>Absolute offset of the block allocation table.</summary>
    public ulong TableOffset { get; init; }

    /// <summary>Header version (0x00010000).</summary>
    public uint HeaderVersion { get; init; }

    /// <summary>Number of BAT entries.</summary>
    public uint MaxTableEntries { get; init; }

    /// <summary>Block size in bytes.</summary>
    public uint BlockSize { get; init; }

    /// <summary>The checksum stored in the file.</summary>
    public uint Checksum { get; init; }

    /// <summary>The checksum computed over the bytes read.</summary>
    public uint ComputedChecksum { get; init; }

    /// <summary>The parent's unique id (differencing disks).</summary>
    public Guid ParentUniqueId { get; init; }

    /// <summary>The parent file's modification time, seconds since 2000-01-01 UTC (differencing disks).</summary>
    public uint ParentTimestamp { get; init; }

    /// <summary>The parent's file name (UTF-16 big-endian on disk), without its terminating NULs.</summary>
    public string ParentName { get; init; }

    /// <summary>The eight parent locator entries.</summary>
    public ImmutableArray<ParentLocatorEntry> ParentLocators { get; init; }

    /// <summary>Whether the stored checksum matches the bytes.</summary>
    public bool ChecksumMatches => Checksum == ComputedChecksum;

    /// <summary>The parent's modification time.</summary>
    public DateTimeOffset ParentModifiedAt => VhdTimestamp.ToDateTime(ParentTimestamp);

    /// <summary>Reads a header. Does not validate: the image scan judges the fields (a file is opened through it).</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 1024 bytes.</exception>
    public static DynamicHeader Parse(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"A dynamic header is {Size} bytes; {source.Length} were given.", nameof(source));
        }

        source = source[..Size];
        var locators = ImmutableArray.CreateBuilder<ParentLocatorEntry>(LocatorCount);
        for (int i = 0; i < LocatorCount; i++)
        {
            locators.Add(ParentLocatorEntry.Parse(source.Slice(DynamicHeaderLayout.ParentLocators + (i * ParentLocatorEntry.Size))));
        }

        return new DynamicHeader
        {
            HasValidCookie = source[..8].SequenceEqual(DynamicHeaderLayout.CookieValue),
            DataOffset = BinaryPrimitives.ReadUInt64BigEndian(source[DynamicHeaderLayout.DataOffset..]),
            TableOffset = BinaryPrimitives.ReadUInt64BigEndian(source[DynamicHeaderLayout.TableOffset..]),
            HeaderVersion = BinaryPrimitives.ReadUInt32BigEndian(source[DynamicHeaderLayout.HeaderVersion..]),
            MaxTableEntries = BinaryPrimitives.ReadUInt32BigEndian(source[DynamicHeaderLayout.MaxTableEntries..]),
            BlockSize = BinaryPrimitives.ReadUInt32BigEndian(source[DynamicHeaderLayout.BlockSize..]),
            Checksum = BinaryPrimitives.ReadUInt32BigEndian(source[DynamicHeaderLayout.Checksum..]),
            ComputedChecksum = VhdChecksum.Compute(source, DynamicHeaderLayout.Checksum),
            ParentUniqueId = new Guid(source.Slice(DynamicHeaderLayout.ParentUniqueId, 16), bigEndian: true),
            ParentTimestamp = BinaryPrimitives.ReadUInt32BigEndian(source[DynamicHeaderLayout.ParentTimestamp..]),
            ParentName = DecodeParentName(source.Slice(DynamicHeaderLayout.ParentName, DynamicHeaderLayout.ParentNameLength)),
            ParentLocators = locators.MoveToImmutable(),
        };
    }

    /// <summary>Writes the header canonically (reserved bytes zero) with a freshly computed checksum.</summary>
    /// <exception cref="ArgumentException">The destination is too short, the parent name is longer than 256 characters, or there are more than 8 locators.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A dynamic header is {Size} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        destination[..Size].Clear();
        WriteOver(destination);
    }

    /// <summary>
    /// Writes every field over <paramref name="onDisk"/> (the 1024 bytes of a header as a file holds them), keeping
    /// the reserved bytes as they are, and the parent name's bytes when the name is unchanged (bytes after its
    /// terminator included); then computes the checksum over the two sectors as they then are. A change to fields of
    /// the first sector therefore changes only the first sector, which can be written alone.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is too short, the parent name is longer than 256 characters, or there are more than 8 locators.</exception>
    internal void WriteOver(Span<byte> onDisk)
    {
        if (onDisk.Length < Size)
        {
            throw new ArgumentException($"A dynamic header is {Size} bytes; the destination holds {onDisk.Length}.", nameof(onDisk));
        }

        string name = ParentName ?? string.Empty;
        if (name.Length > MaxParentNameLength)
        {
            throw new ArgumentException($"The parent name field holds {MaxParentNameLength} UTF-16 characters; '{name}' has {name.Length}.", nameof(onDisk));
        }

        ImmutableArray<ParentLocatorEntry> locators = ParentLocators.IsDefault ? [] : ParentLocators;
        if (locators.Length > LocatorCount)
        {
            throw new ArgumentException($"A dynamic header holds {LocatorCount} parent locators; {locators.Length} were given.", nameof(onDisk));
        }

        Span<byte> target = onDisk[..Size];
        DynamicHeaderLayout.CookieValue.CopyTo(target);
        BinaryPrimitives.WriteUInt64BigEndian(target[DynamicHeaderLayout.DataOffset..], DataOffset);
        BinaryPrimitives.WriteUInt64BigEndian(target[DynamicHeaderLayout.TableOffset..], TableOffset);
        BinaryPrimitives.WriteUInt32BigEndian(target[DynamicHeaderLayout.HeaderVersion..], HeaderVersion);
        BinaryPrimitives.WriteUInt32BigEndian(target[DynamicHeaderLayout.MaxTableEntries..], MaxTableEntries);
        BinaryPrimitives.WriteUInt32BigEndian(target[DynamicHeaderLayout.BlockSize..], BlockSize);
        ParentUniqueId.TryWriteBytes(target.Slice(DynamicHeaderLayout.ParentUniqueId, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt32BigEndian(target[DynamicHeaderLayout.ParentTimestamp..], ParentTimestamp);
        Span<byte> nameField = target.Slice(DynamicHeaderLayout.ParentName, DynamicHeaderLayout.ParentNameLength);
        if (!string.Equals(DecodeParentName(nameField), name, StringComparison.Ordinal))
        {
            nameField.Clear();
            Encoding.BigEndianUnicode.GetBytes(name, nameField);
        }

        for (int i = 0; i < LocatorCount; i++)
        {
            ParentLocatorEntry entry = i < locators.Length ? locators[i] : default;
            entry.WriteTo(target.Slice(DynamicHeaderLayout.ParentLocators + (i * ParentLocatorEntry.Size)));
        }

        BinaryPrimitives.WriteUInt32BigEndian(target[DynamicHeaderLayout.Checksum..], VhdChecksum.Compute(target, DynamicHeaderLayout.Checksum));
    }

    private static string DecodeParentName(ReadOnlySpan<byte> field)
    {
        int length = 0;
        while (length + 1 < field.Length && (field[length] != 0 || field[length + 1] != 0))
        {
            length += 2;
        }

        return Encoding.BigEndianUnicode.GetString(field[..length]);
    }
}
