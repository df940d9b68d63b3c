namespace VhdKit.Format;

/// <summary>Where each field of the 1024-byte dynamic header lies.</summary>
internal static class DynamicHeaderLayout
{
    public const int Size = 1024;
    public const int Cookie = 0;
    public const int DataOffset = 8;
    public const int TableOffset = 16;
    public const int HeaderVersion = 24;
    public const int MaxTableEntries = 28;
    public const int BlockSize = 32;
    public const int Checksum = 36;
    public const int ParentUniqueId = 40;
    public const int ParentTimestamp = 56;
    public const int Reserved1 = 60;
    public const int ParentName = 64;
    public const int ParentNameLength = 512;
    public const int ParentLocators = 576;
    public const int ParentLocatorCount = 8;
    public const int Reserved2 = 768;

    public static ReadOnlySpan<byte> CookieValue => "cxsparse"u8;

    public static readonly FieldSpan[] Fields =
    [
        new("Cookie", Cookie, 8),
        new("DataOffset", DataOffset, 8),
        new("TableOffset", TableOffset, 8),
        new("HeaderVersion", HeaderVersion, 4),
        new("MaxTableEntries", MaxTableEntries, 4),
        new("BlockSize", BlockSize, 4),
        new("Checksum", Checksum, 4),
        new("ParentUniqueId", ParentUniqueId, 16),
        new("ParentTimestamp", ParentTimestamp, 4),
        new("Reserved1", Reserved1, 4),
        new("ParentUnicodeName", ParentName, ParentNameLength),
        new("ParentLocatorEntries", ParentLocators, ParentLocatorCount * ParentLocatorEntry.Size),
        new("Reserved2", Reserved2, 256),
    ];
}
