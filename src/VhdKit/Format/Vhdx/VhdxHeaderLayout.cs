namespace VhdKit.Format.Vhdx;

/// <summary>Where each field of the 4 KiB VHDX header lies (little-endian, like every VHDX field).</summary>
internal static class VhdxHeaderLayout
{
    public const int Size = 4096;
    public const int Signature = 0;
    public const int Checksum = 4;
    public const int SequenceNumber = 8;
    public const int FileWriteGuid = 16;
    public const int DataWriteGuid = 32;
    public const int LogGuid = 48;
    public const int LogVersion = 64;
    public const int Version = 66;
    public const int LogLength = 68;
    public const int LogOffset = 72;
    public const int Reserved = 80;

    public static ReadOnlySpan<byte> SignatureValue => "head"u8;

    public static readonly FieldSpan[] Fields =
    [
        new("Signature", Signature, 4),
        new("Checksum", Checksum, 4),
        new("SequenceNumber", SequenceNumber, 8),
        new("FileWriteGuid", FileWriteGuid, 16),
        new("DataWriteGuid", DataWriteGuid, 16),
        new("LogGuid", LogGuid, 16),
        new("LogVersion", LogVersion, 2),
        new("Version", Version, 2),
        new("LogLength", LogLength, 4),
        new("LogOffset", LogOffset, 8),
        new("Reserved", Reserved, 4016),
    ];
}
