using System.Buffers.Binary;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// One of the two 4 KiB headers (at 64 KiB and 128 KiB): sequence number, the file/data write GUIDs, the log's GUID,
/// place and length. Of the two, the valid one (signature and CRC-32C) with the higher sequence number is current.
/// </summary>
public readonly record struct VhdxHeader
{
    /// <summary>The structure's size: 4096 bytes (the CRC covers all of them).</summary>
    public const int Size = VhdxHeaderLayout.Size;

    /// <summary>The format version this reader knows: 1.</summary>
    public const ushort CurrentVersion = 1;

    /// <summary>The log format version this reader knows: 0.</summary>
    public const ushort CurrentLogVersion = 0;

    /// <summary>Whether the signature was <c>head</c>.</summary>
    public bool HasValidSignature { get; init; }

    /// <summary>The CRC-32C stored in the file.</summary>
    public uint Checksum { get; init; }

    /// <summary>The CRC-32C computed over the bytes read.</summary>
    public uint ComputedChecksum { get; init; }

    /// <summary>The sequence number: the valid header with the higher one is current.</summary>
    public ulong SequenceNumber { get; init; }

    /// <summary>Changed the first time the file is opened for writing.</summary>
    public Guid FileWriteGuid { get; init; }

    /// <summary>Changed before the first write to the virtual disk's data after opening (children link to it).</summary>
    public Guid DataWriteGuid { get; init; }

    /// <summary>The log's GUID: zero when the log holds nothing to replay.</summary>
    public Guid LogGuid { get; init; }

    /// <summary>The log format version (0).</summary>
    public ushort LogVersion { get; init; }

    /// <summary>The format version (1).</summary>
    public ushort Version { get; init; }

    /// <summary>The log's length in bytes (a multiple of 1 MiB).</summary>
    public uint LogLength { get; init; }

    /// <summary>The log's absolute offset (a multiple of 1 MiB, at least 1 MiB).</summary>
    public ulong LogOffset { get; init; }

    /// <summary>Whether the header is usable: signature <c>head</c> and a matching CRC-32C.</summary>
    public bool IsValid => HasValidSignature && Checksum == ComputedChecksum;

    /// <summary>Reads a header. Does not validate: see <see cref="IsValid"/> and <see cref="Validate"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 4096 bytes.</exception>
    public static VhdxHeader Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "header");
        source = source[..Size];
        return new VhdxHeader
        {
            HasValidSignature = source.StartsWith(VhdxHeaderLayout.SignatureValue),
            Checksum = BinaryPrimitives.ReadUInt32LittleEndian(source[VhdxHeaderLayout.Checksum..]),
            ComputedChecksum = VhdxChecksum.Compute(source, VhdxHeaderLayout.Checksum),
            SequenceNumber = BinaryPrimitives.ReadUInt64LittleEndian(source[VhdxHeaderLayout.SequenceNumber..]),
            FileWriteGuid = new Guid(source.Slice(VhdxHeaderLayout.FileWriteGuid, 16)),
            DataWriteGuid = new Guid(source.Slice(VhdxHeaderLayout.DataWriteGuid, 16)),
            LogGuid = new Guid(source.Slice(VhdxHeaderLayout.LogGuid, 16)),
            LogVersion = BinaryPrimitives.ReadUInt16LittleEndian(source[VhdxHeaderLayout.LogVersion..]),
            Version = BinaryPrimitives.ReadUInt16LittleEndian(source[VhdxHeaderLayout.Version..]),
            LogLength = BinaryPrimitives.ReadUInt32LittleEndian(source[VhdxHeaderLayout.LogLength..]),
            LogOffset = BinaryPrimitives.ReadUInt64LittleEndian(source[VhdxHeaderLayout.LogOffset..]),
        };
    }

    /// <summary>Writes the header canonically (reserved bytes zero) with a freshly computed CRC-32C.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 4096 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "header");
        Span<byte> target = destination[..Size];
        target.Clear();
        VhdxHeaderLayout.SignatureValue.CopyTo(target);
        BinaryPrimitives.WriteUInt64LittleEndian(target[VhdxHeaderLayout.SequenceNumber..], SequenceNumber);
        FileWriteGuid.TryWriteBytes(target.Slice(VhdxHeaderLayout.FileWriteGuid, 16));
        DataWriteGuid.TryWriteBytes(target.Slice(VhdxHeaderLayout.DataWriteGuid, 16));
        LogGuid.TryWriteBytes(target.Slice(VhdxHeaderLayout.LogGuid, 16));
        BinaryPrimitives.WriteUInt16LittleEndian(target[VhdxHeaderLayout.LogVersion..], LogVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(target[VhdxHeaderLayout.Version..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(target[VhdxHeaderLayout.LogLength..], LogLength);
        BinaryPrimitives.WriteUInt64LittleEndian(target[VhdxHeaderLayout.LogOffset..], LogOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(target[VhdxHeaderLayout.Checksum..], VhdxChecksum.Compute(target, VhdxHeaderLayout.Checksum));
    }

    /// <summary>
    /// Checks the fields of the current header: version 1, log version 0, a log 1 MiB aligned inside a file of
    /// <paramref name="fileLength"/> bytes.
    /// </summary>
    /// <param name="at">The header's offset in the file, for the message.</param>
    /// <param name="fileLength">The file's length.</param>
    /// <exception cref="VhdxFormatException">A field holds a value the format does not allow.</exception>
    public void Validate(long at, long fileLength)
    {
        const string Structure = "VHDX header";
        if (Version != CurrentVersion)
        {
            throw FormatErrors.VhdxField(Structure, "Version", at + VhdxHeaderLayout.Version, "1", Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (LogVersion != CurrentLogVersion)
        {
            throw FormatErrors.VhdxField(Structure, "LogVersion", at + VhdxHeaderLayout.LogVersion, "0", LogVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (LogLength == 0 || LogLength % VhdxLayout.MiB != 0)
        {
            throw FormatErrors.VhdxField(Structure, "LogLength", at + VhdxHeaderLayout.LogLength, "a non-zero multiple of 1 MiB", FormatErrors.Hex(LogLength));
        }

        if (LogOffset < VhdxLayout.HeaderSectionSize || LogOffset % VhdxLayout.MiB != 0 || LogOffset > (ulong)fileLength || LogLength > (ulong)fileLength - LogOffset)
        {
            throw FormatErrors.VhdxField(Structure, "LogOffset", at + VhdxHeaderLayout.LogOffset,
                $"a multiple of 1 MiB from 1 MiB with the log ({FormatErrors.Hex(LogLength)} bytes) inside the file ({FormatErrors.Hex((ulong)fileLength)} bytes)", FormatErrors.Hex(LogOffset));
        }
    }

    /// <summary>
    /// The current header of two: the valid one with the higher sequence number (the first on a tie, which a writer
    /// never makes).
    /// </summary>
    /// <returns>1 or 2 for the header chosen.</returns>
    /// <exception cref="VhdxFormatException">Neither header is valid.</exception>
    public static int Choose(in VhdxHeader first, in VhdxHeader second)
    {
        if (first.IsValid && (!second.IsValid || first.SequenceNumber >= second.SequenceNumber))
        {
            return 1;
        }

        if (second.IsValid)
        {
            return 2;
        }

        throw new VhdxFormatException(
            $"Neither VHDX header is valid: the one at offset 0x{VhdxLayout.Header1Offset:X} {Describe(first)}, the one at 0x{VhdxLayout.Header2Offset:X} {Describe(second)}; expected the signature 'head' and a matching CRC-32C in at least one.");
    }

    private static string Describe(in VhdxHeader header) => !header.HasValidSignature
        ? "has no 'head' signature"
        : $"has CRC-32C {FormatErrors.Hex(header.Checksum)} stored but {FormatErrors.Hex(header.ComputedChecksum)} computed";
}
