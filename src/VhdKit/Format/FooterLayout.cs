namespace VhdKit.Format;

/// <summary>Where each field of the 512-byte footer lies.</summary>
internal static class FooterLayout
{
    public const int Size = 512;

    /// <summary>Very old files end with a 511-byte footer (the reserved area one byte short).</summary>
    public const int LegacySize = 511;

    public const int Cookie = 0;
    public const int Features = 8;
    public const int FormatVersion = 12;
    public const int DataOffset = 16;
    public const int Timestamp = 24;
    public const int CreatorApplication = 28;
    public const int CreatorVersion = 32;
    public const int CreatorHostOs = 36;
    public const int OriginalSize = 40;
    public const int CurrentSize = 48;
    public const int Cylinders = 56;
    public const int Heads = 58;
    public const int SectorsPerTrack = 59;
    public const int DiskType = 60;
    public const int Checksum = 64;
    public const int UniqueId = 68;
    public const int SavedState = 84;
    public const int Reserved = 85;

    public static ReadOnlySpan<byte> CookieValue => "conectix"u8;

    public static readonly FieldSpan[] Fields =
    [
        new("Cookie", Cookie, 8),
        new("Features", Features, 4),
        new("FormatVersion", FormatVersion, 4),
        new("DataOffset", DataOffset, 8),
        new("Timestamp", Timestamp, 4),
        new("CreatorApplication", CreatorApplication, 4),
        new("CreatorVersion", CreatorVersion, 4),
        new("CreatorHostOs", CreatorHostOs, 4),
        new("OriginalSize", OriginalSize, 8),
        new("CurrentSize", CurrentSize, 8),
        new("Cylinders", Cylinders, 2),
        new("Heads", Heads, 1),
        new("SectorsPerTrack", SectorsPerTrack, 1),
        new("DiskType", DiskType, 4),
        new("Checksum", Checksum, 4),
        new("UniqueId", UniqueId, 16),
        new("SavedState", SavedState, 1),
        new("Reserved", Reserved, 427),
    ];
}
