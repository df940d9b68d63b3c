using System.Globalization;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// What FAT allows in names (fatgen103 and Windows' rules): long names of 1..255 UTF-16 units without control
/// characters or <c>" * / : &lt; &gt; ? \ |</c>, not ending in a dot or space; short names of the characters below; the
/// volume label of up to 11 short-name characters (spaces allowed inside).
/// </summary>
internal static class FatNames
{
    private const string ForbiddenInLongNames = "\"*/:<>?\\|";

    // Characters a long name may hold but a short name may not: they become '_' in the basis name.
    private const string ReplacedInShortNames = "+,;=[]";

    // The punctuation short names allow besides letters and digits.
    private const string ShortNamePunctuation = "$%'-_@~`!(){}^#&";

    /// <summary>Whether <paramref name="c"/> may stand in a short name as it is (upper-case letters, digits, the punctuation above).</summary>
    public static bool IsShortNameCharacter(char c) =>
        c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') || ShortNamePunctuation.Contains(c, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="c"/> is replaced by '_' in a short name (allowed in long names only).</summary>
    public static bool IsReplacedInShortNames(char c) => ReplacedInShortNames.Contains(c, StringComparison.Ordinal);

    /// <summary>Refuses a name FAT cannot hold, saying which and why.</summary>
    /// <exception cref="ArgumentException">The name is empty, too long, <c>.</c> or <c>..</c>, holds a forbidden character, or ends in a dot or space.</exception>
    public static void CheckLongName(string name, string where)
    {
        if (name.Length == 0 || name is "." or "..")
        {
            throw new ArgumentException($"{where}: \"{name}\" is not a file or folder name.");
        }

        if (name.Length > LongNameEntry.MaxLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{where}: a FAT name holds at most {LongNameEntry.MaxLength} UTF-16 units; \"{name}\" has {name.Length}."));
        }

        foreach (char c in name)
        {
            if (c < ' ' || ForbiddenInLongNames.Contains(c, StringComparison.Ordinal))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{where}: FAT names cannot hold control characters or \" * / : < > ? \\ |; \"{name}\" holds U+{(int)c:X4}."));
            }
        }

        if (name[^1] is '.' or ' ')
        {
            throw new ArgumentException($"{where}: FAT names cannot end in a dot or a space (Windows would drop it); \"{name}\" does.");
        }
    }

    /// <summary>The volume label as stored: upper case, padded with spaces to 11 bytes.</summary>
    /// <exception cref="ArgumentException">The label is longer than 11 characters, or holds a character short names may not.</exception>
    public static string Label(string label)
    {
        string upper = label.ToUpperInvariant();
        if (upper.Length > ShortName.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A FAT volume label holds at most {ShortName.Length} characters; \"{label}\" has {label.Length}."));
        }

        foreach (char c in upper)
        {
            if (!IsShortNameCharacter(c) && c != ' ')
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"A FAT volume label holds letters, digits, spaces and $%'-_@~`!(){{}}^#&; \"{label}\" holds U+{(int)c:X4}."));
            }
        }

        if (upper.Length > 0 && upper[0] == ' ')
        {
            throw new ArgumentException($"A FAT volume label cannot start with a space; got \"{label}\".");
        }

        return upper.PadRight(ShortName.Length);
    }
}
