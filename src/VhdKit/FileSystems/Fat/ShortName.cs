namespace VhdKit.FileSystems.Fat;

/// <summary>
/// An 8.3 name as a directory entry stores it: 8 bytes of base name and 3 of extension, upper case, padded with
/// spaces, no dot. VhdKit writes only ASCII in short names (anything else became '_' when the name was made).
/// </summary>
internal readonly record struct ShortName
{
    /// <summary>The stored length: 11 bytes.</summary>
    public const int Length = 11;

    /// <summary>The longest base name (8) and extension (3).</summary>
    public const int BaseLength = 8;

    /// <inheritdoc cref="BaseLength"/>
    public const int ExtensionLength = 3;

    /// <summary>Creates the name from a base of 1..8 and an extension of 0..3 ASCII characters.</summary>
    public ShortName(string baseName, string extension)
    {
        if (baseName.Length is 0 or > BaseLength || extension.Length > ExtensionLength)
        {
            throw new ArgumentException($"A short name has a base of 1 to 8 characters and an extension of up to 3; got \"{baseName}\".\"{extension}\".");
        }

        Stored = baseName.PadRight(BaseLength) + extension.PadRight(ExtensionLength);
    }

    private ShortName(string stored)
    {
        Stored = stored;
    }

    /// <summary>The 11 stored characters.</summary>
    public string Stored { get; }

    /// <summary>A name from its 11 stored characters as they are (the volume label, the <c>.</c> and <c>..</c> entries).</summary>
    public static ShortName FromStored(string stored) =>
        stored.Length == Length ? new ShortName(stored) : throw new ArgumentException($"A stored short name is {Length} characters; got \"{stored}\".", nameof(stored));

    /// <summary>The key two names collide on (the stored form: names are upper case already).</summary>
    public string Key => Stored;

    /// <summary>The name as a user sees it, e.g. <c>LONGNA~1.TXT</c>.</summary>
    public override string ToString()
    {
        string baseName = Stored[..BaseLength].TrimEnd(' ');
        string extension = Stored[BaseLength..].TrimEnd(' ');
        return extension.Length == 0 ? baseName : $"{baseName}.{extension}";
    }

    /// <summary>Writes the 11 bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        for (int i = 0; i < Length; i++)
        {
            destination[i] = (byte)Stored[i];
        }
    }

    /// <summary>The 11 bytes, for the long-name checksum.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }
}
