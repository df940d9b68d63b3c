using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// The parent locator item of a differencing VHDX: a locator type GUID and key/value pairs of UTF-16LE text
/// (<c>parent_linkage</c>, <c>parent_linkage2</c>, <c>relative_path</c>, <c>volume_path</c>, <c>absolute_win32_path</c>).
/// </summary>
public readonly record struct VhdxParentLocator
{
    /// <summary>The size of the locator's header: 20 bytes.</summary>
    public const int HeaderSize = 20;

    /// <summary>The size of one key/value entry: 12 bytes.</summary>
    public const int EntrySize = 12;

    /// <summary>Key: the parent's DataWriteGuid, as <c>{xxxxxxxx-...}</c>.</summary>
    public const string ParentLinkage = "parent_linkage";

    /// <summary>Key: a second accepted parent DataWriteGuid.</summary>
    public const string ParentLinkage2 = "parent_linkage2";

    /// <summary>Key: the parent's path relative to the child's folder.</summary>
    public const string RelativePath = "relative_path";

    /// <summary>Key: the parent's path by volume GUID.</summary>
    public const string VolumePath = "volume_path";

    /// <summary>Key: the parent's absolute Win32 path.</summary>
    public const string AbsoluteWin32Path = "absolute_win32_path";

    /// <summary>The header's fields, in order.</summary>
    public static readonly FieldSpan[] HeaderFields = [new("LocatorType", 0, 16), new("Reserved", 16, 2), new("KeyValueCount", 18, 2)];

    /// <summary>A key/value entry's fields, in order.</summary>
    public static readonly FieldSpan[] EntryFields = [new("KeyOffset", 0, 4), new("ValueOffset", 4, 4), new("KeyLength", 8, 2), new("ValueLength", 10, 2)];

    /// <summary>The locator type (<see cref="VhdxGuids.VhdxParentLocatorType"/> for a VHDX parent).</summary>
    public Guid LocatorType { get; init; }

    /// <summary>The key/value pairs, in file order.</summary>
    public ImmutableArray<KeyValuePair<string, string>> Entries { get; init; }

    /// <summary>The value of <paramref name="key"/> (keys compare ordinally), or null.</summary>
    public string? this[string key]
    {
        get
        {
            foreach (KeyValuePair<string, string> entry in Entries.IsDefault ? [] : Entries)
            {
                if (string.Equals(entry.Key, key, StringComparison.Ordinal))
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Reads and checks the item: every key and value inside it, keys unique and non-empty.</summary>
    /// <param name="item">The item's bytes.</param>
    /// <param name="at">The item's offset in the file, for messages.</param>
    /// <exception cref="VhdxFormatException">The item is too short, or an entry lies outside it or repeats a key.</exception>
    public static VhdxParentLocator Parse(ReadOnlySpan<byte> item, long at)
    {
        const string Structure = "VHDX parent locator";
        if (item.Length < HeaderSize)
        {
            throw FormatErrors.VhdxField(Structure, "length", at, $"at least {HeaderSize} bytes", item.Length.ToString(CultureInfo.InvariantCulture));
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(item[18..]);
        if (count > (item.Length - HeaderSize) / EntrySize)
        {
            throw FormatErrors.VhdxField(Structure, "KeyValueCount", at + 18, $"entries that fit the item ({item.Length} bytes)", count.ToString(CultureInfo.InvariantCulture));
        }

        var entries = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>(count);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = item.Slice(HeaderSize + (i * EntrySize), EntrySize);
            long entryAt = at + HeaderSize + (i * EntrySize);
            string key = Text(item, BinaryPrimitives.ReadUInt32LittleEndian(entry), BinaryPrimitives.ReadUInt16LittleEndian(entry[8..]), entryAt, i, "key");
            string value = Text(item, BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]), BinaryPrimitives.ReadUInt16LittleEndian(entry[10..]), entryAt + 4, i, "value");
            if (key.Length == 0)
            {
                throw FormatErrors.VhdxField(Structure, $"entry {i} key", entryAt, "a non-empty key", "an empty one");
            }

            foreach (KeyValuePair<string, string> earlier in entries)
            {
                if (string.Equals(earlier.Key, key, StringComparison.Ordinal))
                {
                    throw FormatErrors.VhdxField(Structure, $"entry {i} key", entryAt, "each key once", $"'{key}' again");
                }
            }

            entries.Add(new KeyValuePair<string, string>(key, value));
        }

        return new VhdxParentLocator { LocatorType = new Guid(item[..16]), Entries = entries.MoveToImmutable() };
    }

    /// <summary>The item's length when written: header, entries, then each key and value.</summary>
    public int Length
    {
        get
        {
            int length = HeaderSize;
            foreach (KeyValuePair<string, string> entry in Entries.IsDefault ? [] : Entries)
            {
                length += EntrySize + (2 * (entry.Key.Length + entry.Value.Length));
            }

            return length;
        }
    }

    /// <summary>Writes the item: header, entries, then keys and values in entry order.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than <see cref="Length"/>, or a key or value exceeds 32767 characters.</exception>
    public void WriteTo(Span<byte> destination)
    {
        ImmutableArray<KeyValuePair<string, string>> entries = Entries.IsDefault ? [] : Entries;
        VhdxFields.RequireLength(destination, Length, "parent locator");
        destination[..Length].Clear();
        LocatorType.TryWriteBytes(destination[..16]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[18..], checked((ushort)entries.Length));
        int text = HeaderSize + (entries.Length * EntrySize);
        for (int i = 0; i < entries.Length; i++)
        {
            Span<byte> entry = destination.Slice(HeaderSize + (i * EntrySize), EntrySize);
            int keyBytes = Encoding.Unicode.GetBytes(entries[i].Key, destination[text..]);
            int valueBytes = Encoding.Unicode.GetBytes(entries[i].Value, destination[(text + keyBytes)..]);
            if (keyBytes > ushort.MaxValue || valueBytes > ushort.MaxValue)
            {
                throw new ArgumentException($"A parent locator key or value is at most 65535 bytes; '{entries[i].Key}' is longer.", nameof(destination));
            }

            BinaryPrimitives.WriteUInt32LittleEndian(entry, (uint)text);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], (uint)(text + keyBytes));
            BinaryPrimitives.WriteUInt16LittleEndian(entry[8..], (ushort)keyBytes);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[10..], (ushort)valueBytes);
            text += keyBytes + valueBytes;
        }
    }

    private static string Text(ReadOnlySpan<byte> item, uint offset, ushort length, long fieldAt, int index, string what)
    {
        if (offset < HeaderSize || offset > (uint)item.Length || length > item.Length - offset || length % 2 != 0)
        {
            throw FormatErrors.VhdxField("VHDX parent locator", $"entry {index} {what}", fieldAt,
                $"an even length of UTF-16LE text after the header inside the item ({item.Length} bytes)",
                $"offset {FormatErrors.Hex(offset)}, length {FormatErrors.Hex(length)}");
        }

        return Encoding.Unicode.GetString(item.Slice((int)offset, length));
    }
}
