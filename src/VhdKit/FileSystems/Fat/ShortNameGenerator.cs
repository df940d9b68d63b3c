using System.Globalization;
using System.Text;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// Gives the entries of one folder their short names as Windows does (fatgen103, "Basis-Name Generation" and
/// "Numeric-Tail Generation"). A name that is a valid 8.3 name in one case per part keeps it (lower case recorded in
/// the NT case byte, no long name); any other name gets a basis name (upper case, spaces and leading dots dropped,
/// characters short names cannot hold as '_', the base from everything before the last dot with the dots dropped,
/// as Windows does, and the extension after the last dot) and,
/// when that lost anything or did not fit, a numeric tail: <c>~1</c> to <c>~4</c>, then Windows' hashed form (two
/// characters, four hex digits of a hash of the long name, <c>~1</c>...; the hash is VhdKit's own, the shape is Windows').
/// </summary>
internal sealed class ShortNameGenerator
{
    private const int PlainTails = 4;
    private const int MaxTail = 999_999;
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    /// <summary>The result for one name: its short name, the NT case byte, and whether it needs long-name entries.</summary>
    public readonly record struct Result(ShortName Name, byte CaseFlags, bool NeedsLongName);

    /// <summary>
    /// Reserves the short name of a name that keeps its own 8.3 form (see <see cref="TryExact"/>); call for every
    /// such name of the folder before <see cref="Generate"/>, so a generated name never takes one of them.
    /// </summary>
    /// <returns><see langword="false"/> when another entry of the folder already has that short name.</returns>
    public bool Reserve(ShortName name) => _taken.Add(name.Key);

    /// <summary>
    /// The short name <paramref name="longName"/> keeps without a tail: it is a valid 8.3 name whose base and
    /// extension are each in one case (all upper, all lower, or without letters). Mixed case gets the upper-case
    /// form plus a long name (Windows' way); <see langword="null"/> when the name needs a generated short name.
    /// </summary>
    public static Result? TryExact(string longName)
    {
        int dot = longName.IndexOf('.', StringComparison.Ordinal);
        string baseName = dot < 0 ? longName : longName[..dot];
        string extension = dot < 0 ? string.Empty : longName[(dot + 1)..];
        if (baseName.Length is 0 or > ShortName.BaseLength || extension.Length > ShortName.ExtensionLength
            || (dot >= 0 && extension.Length == 0) || extension.Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        if (!AllShortNameCharacters(baseName) || !AllShortNameCharacters(extension))
        {
            return null;
        }

        Case baseCase = CaseOf(baseName);
        Case extensionCase = CaseOf(extension);
        var name = new ShortName(baseName.ToUpperInvariant(), extension.ToUpperInvariant());
        if (baseCase == Case.Mixed || extensionCase == Case.Mixed)
        {
            return new Result(name, 0, NeedsLongName: true);
        }

        byte flags = (byte)((baseCase == Case.Lower ? ShortDirectoryEntry.LowerCaseBase : 0)
            | (extensionCase == Case.Lower ? ShortDirectoryEntry.LowerCaseExtension : 0));
        return new Result(name, flags, NeedsLongName: false);
    }

    /// <summary>A new short name for <paramref name="longName"/>, unique in this folder (the long name is always kept too).</summary>
    /// <exception cref="InvalidOperationException">No free short name is left (a million names with one basis).</exception>
    public ShortName Generate(string longName)
    {
        (string basis, string extension, bool lossy) = Basis(longName);
        var plain = new ShortName(basis.Length == 0 ? "_" : basis, extension);
        if (!lossy && _taken.Add(plain.Key))
        {
            return plain;
        }

        string root = basis.Length == 0 ? "_" : basis;
        for (int tail = 1; tail <= PlainTails; tail++)
        {
            ShortName candidate = WithTail(root, extension, tail);
            if (_taken.Add(candidate.Key))
            {
                return candidate;
            }
        }

        string hashed = root[..Math.Min(2, root.Length)] + Hash(longName).ToString("X4", CultureInfo.InvariantCulture);
        for (int tail = 1; tail <= MaxTail; tail++)
        {
            ShortName candidate = WithTail(hashed, extension, tail);
            if (_taken.Add(candidate.Key))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No free short name is left for \"{longName}\" in its folder.");
    }

    /// <summary>The basis name (fatgen103 steps 1-6, Windows' dots): upper case; '_' for what short names cannot hold; no spaces; no leading dots; the parts before the last dot, then the extension.</summary>
    private static (string Basis, string Extension, bool Lossy) Basis(string longName)
    {
        bool lossy = false;
        var converted = new StringBuilder(longName.Length);
        foreach (char c in longName.ToUpperInvariant())
        {
            if (c == ' ')
            {
                lossy = true;
                continue;
            }

            if (c == '.' || IsKept(c))
            {
                converted.Append(c);
            }
            else
            {
                converted.Append('_');
                lossy = true;
            }
        }

        string text = converted.ToString().TrimStart('.');
        lossy |= text.Length != converted.Length;
        // Windows (unlike fatgen103's step 4, which stops at the first dot) keeps the characters of every part before
        // the last dot: "my.file.name.txt" gives MYFILE~1.TXT (Microsoft KB 142982: "This is a really long
        // filename.123.456.789.txt" gives THISIS~1.TXT).
        int lastDot = text.LastIndexOf('.');
        string primary = (lastDot < 0 ? text : text[..lastDot]).Replace(".", string.Empty, StringComparison.Ordinal);
        string extension = lastDot < 0 ? string.Empty : text[(lastDot + 1)..];
        if (primary.Length > ShortName.BaseLength || extension.Length > ShortName.ExtensionLength
            || (lastDot >= 0 && text.IndexOf('.', StringComparison.Ordinal) != lastDot))
        {
            lossy = true;
        }

        return (Truncate(primary, ShortName.BaseLength), Truncate(extension, ShortName.ExtensionLength), lossy);
    }

    private static bool IsKept(char c) => c < 0x80 && FatNames.IsShortNameCharacter(c);

    private static ShortName WithTail(string root, string extension, int tail)
    {
        string suffix = string.Create(CultureInfo.InvariantCulture, $"~{tail}");
        return new ShortName(Truncate(root, ShortName.BaseLength - suffix.Length) + suffix, extension);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private static bool AllShortNameCharacters(string part)
    {
        foreach (char c in part)
        {
            if (!(c < 0x80 && FatNames.IsShortNameCharacter(char.ToUpperInvariant(c))))
            {
                return false;
            }
        }

        return true;
    }

    private static Case CaseOf(string part)
    {
        bool upper = false, lower = false;
        foreach (char c in part)
        {
            upper |= c is >= 'A' and <= 'Z';
            lower |= c is >= 'a' and <= 'z';
        }

        return upper && lower ? Case.Mixed : lower ? Case.Lower : Case.Upper;
    }

    /// <summary>A 16-bit FNV-1a fold of the long name's UTF-16 units: stable across runs, so a build is reproducible.</summary>
    private static ushort Hash(string longName)
    {
        uint hash = 2166136261;
        foreach (char c in longName)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (ushort)(hash ^ (hash >> 16));
    }

    private enum Case
    {
        Upper,
        Lower,
        Mixed,
    }
}
