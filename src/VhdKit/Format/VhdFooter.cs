using System.Buffers.Binary;

namespace VhdKit.Format;

/// <summary>
/// The 512-byte footer at the end of every VHD file (and, for dynamic and differencing disks, its copy at offset 0).
/// </summary>
public readonly record struct VhdFooter
{
    /// <summary>The size of the structure: 512 bytes.</summary>
    public const int Size = FooterLayout.Size;

    /// <summary>
    /// The creator application code VhdKit writes: <c>win </c>, what Hyper-V writes. To every reader it means "the
    /// current size is authoritative" (qemu believes C×H×S for other codes), so the spec's geometry can be written
    /// for every size and the size stays exact everywhere.
    /// </summary>
    public static readonly uint VhdKitCreator = FourCharacterCode.FromString("win ");

    /// <summary>The creator version VhdKit writes with <see cref="VhdKitCreator"/>: 0x000A0000 (as Hyper-V).</summary>
    public const uint VhdKitCreatorVersion = 0x000A0000;

    /// <summary>The creator codes for which qemu (7.2, measured) takes the footer's current size rather than C×H×S.</summary>
    private static readonly uint[] CurrentSizeCreators =
    [
        FourCharacterCode.FromString("win "),
        FourCharacterCode.FromString("qem2"),
        FourCharacterCode.FromString("d2v "),
        FourCharacterCode.FromString("CTXS"),
        FourCharacterCode.FromString("tap\0"),
    ];

    /// <summary>The host OS code for Windows, <c>Wi2k</c>.</summary>
    public static readonly uint WindowsHostOs = FourCharacterCode.FromString("Wi2k");

    /// <summary>Whether the cookie was <c>conectix</c>.</summary>
    public bool HasValidCookie { get; init; }

    /// <summary>Feature bits.</summary>
    public FooterFeatures Features { get; init; }

    /// <summary>Format version (0x00010000).</summary>
    public uint FormatVersion { get; init; }

    /// <summary>Absolute offset of the dynamic header; all ones for a fixed disk.</summary>
    public ulong DataOffset { get; init; }

    /// <summary>Creation time, seconds since 2000-01-01 UTC.</summary>
    public uint Timestamp { get; init; }

    /// <summary>The creating application's four-character code.</summary>
    public uint CreatorApplication { get; init; }

    /// <summary>The creating application's version.</summary>
    public uint CreatorVersion { get; init; }

    /// <summary>The host OS the image was created on (a four-character code).</summary>
    public uint CreatorHostOs { get; init; }

    /// <summary>The size at creation, in bytes.</summary>
    public ulong OriginalSize { get; init; }

    /// <summary>The current size of the virtual disk, in bytes.</summary>
    public ulong CurrentSize { get; init; }

    /// <summary>The CHS geometry.</summary>
    public DiskGeometry Geometry { get; init; }

    /// <summary>The disk type.</summary>
    public VhdDiskType DiskType { get; init; }

    /// <summary>The checksum stored in the file.</summary>
    public uint Checksum { get; init; }

    /// <summary>The checksum computed over the bytes read (equal to <see cref="Checksum"/> when intact).</summary>
    public uint ComputedChecksum { get; init; }

    /// <summary>The disk's unique id (the 16 bytes read as a big-endian GUID, as libvhdi prints it).</summary>
    public Guid UniqueId { get; init; }

    /// <summary>Whether the disk is in a saved state (non-zero byte 84).</summary>
    public byte SavedState { get; init; }

    /// <summary>Whether the stored checksum matches the bytes.</summary>
    public bool ChecksumMatches => Checksum == ComputedChecksum;

    /// <summary>The creation time.</summary>
    public DateTimeOffset CreatedAt => VhdTimestamp.ToDateTime(Timestamp);

    /// <summary>The data offset, with the all-ones variants (64-bit and the 32-bit one some tools write) as <see langword="null"/>.</summary>
    public ulong? HeaderOffset => DataOffset is VhdConstants.NoDataOffset or uint.MaxValue ? null : DataOffset;

    /// <summary>Whether qemu, like every other reader, takes the current size of an image made by <paramref name="creatorApplication"/> (rather than C×H×S).</summary>
    internal static bool ReadersTakeCurrentSize(uint creatorApplication) => Array.IndexOf(CurrentSizeCreators, creatorApplication) >= 0;

    /// <summary>Reads a footer. Does not validate: the image scan judges the fields (a file is opened through it).</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 512 bytes.</exception>
    public static VhdFooter Parse(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"A footer is {Size} bytes; {source.Length} were given.", nameof(source));
        }

        source = source[..Size];
        return new VhdFooter
        {
            HasValidCookie = source[..8].SequenceEqual(FooterLayout.CookieValue),
            Features = (FooterFeatures)BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.Features..]),
            FormatVersion = BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.FormatVersion..]),
            DataOffset = BinaryPrimitives.ReadUInt64BigEndian(source[FooterLayout.DataOffset..]),
            Timestamp = BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.Timestamp..]),
            CreatorApplication = BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.CreatorApplication..]),
            CreatorVersion = BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.CreatorVersion..]),
            CreatorHostOs = BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.CreatorHostOs..]),
            OriginalSize = BinaryPrimitives.ReadUInt64BigEndian(source[FooterLayout.OriginalSize..]),
            CurrentSize = BinaryPrimitives.ReadUInt64BigEndian(source[FooterLayout.CurrentSize..]),
            Geometry = new DiskGeometry(
                BinaryPrimitives.ReadUInt16BigEndian(source[FooterLayout.Cylinders..]),
                source[FooterLayout.Heads],
                source[FooterLayout.SectorsPerTrack]),
            DiskType = (VhdDiskType)BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.DiskType..]),
            Checksum = BinaryPrimitives.ReadUInt32BigEndian(source[FooterLayout.Checksum..]),
            ComputedChecksum = VhdChecksum.Compute(source, FooterLayout.Checksum),
            UniqueId = new Guid(source.Slice(FooterLayout.UniqueId, 16), bigEndian: true),
            SavedState = source[FooterLayout.SavedState],
        };
    }

    /// <summary>Writes the footer canonically (reserved bytes zero) with a freshly computed checksum.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 512 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A footer is {Size} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        destination[..Size].Clear();
        WriteOver(destination);
    }

    /// <summary>
    /// Writes every field over <paramref name="onDisk"/> (the 512 bytes of a footer as a file holds them), keeping
    /// the reserved bytes as they are, and computes the checksum over the bytes as they then are: an edit changes
    /// the fields it means to and nothing else (blktap keeps a flag in the reserved area).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="onDisk"/> is shorter than 512 bytes.</exception>
    internal void WriteOver(Span<byte> onDisk)
    {
        if (onDisk.Length < Size)
        {
            throw new ArgumentException($"A footer is {Size} bytes; the destination holds {onDisk.Length}.", nameof(onDisk));
        }

        Span<byte> target = onDisk[..Size];
        FooterLayout.CookieValue.CopyTo(target);
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.Features..], (uint)Features);
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.FormatVersion..], FormatVersion);
        BinaryPrimitives.WriteUInt64BigEndian(target[FooterLayout.DataOffset..], DataOffset);
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.Timestamp..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.CreatorApplication..], CreatorApplication);
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.CreatorVersion..], CreatorVersion);
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.CreatorHostOs..], CreatorHostOs);
        BinaryPrimitives.WriteUInt64BigEndian(target[FooterLayout.OriginalSize..], OriginalSize);
        BinaryPrimitives.WriteUInt64BigEndian(target[FooterLayout.CurrentSize..], CurrentSize);
        BinaryPrimitives.WriteUInt16BigEndian(target[FooterLayout.Cylinders..], Geometry.Cylinders);
        target[FooterLayout.Heads] = Geometry.Heads;
        target[FooterLayout.SectorsPerTrack] = Geometry.SectorsPerTrack;
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.DiskType..], (uint)DiskType);
        UniqueId.TryWriteBytes(target.Slice(FooterLayout.UniqueId, 16), bigEndian: true, out _);
        target[FooterLayout.SavedState] = SavedState;
        BinaryPrimitives.WriteUInt32BigEndian(target[FooterLayout.Checksum..], VhdChecksum.Compute(target, FooterLayout.Checksum));
    }
}
