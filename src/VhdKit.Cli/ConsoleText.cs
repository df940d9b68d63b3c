using System.Globalization;
using System.Text;
using Spectre.Console;

namespace VhdKit.Cli;

/// <summary>
/// Makes text read from a file (parent names, locators, paths) safe to show: every character a terminal cannot
/// show as itself is written as <c>\uXXXX</c> (U+FFFF, unpaired surrogates, control and format characters such as
/// a bidi override, line separators). Spectre.Console fails on some of them (an IndexOutOfRangeException on U+FFFF
/// in a table cell), and a raw control character could drive the terminal. Every renderer goes through here.
/// </summary>
internal static class ConsoleText
{
    /// <summary>The text with every unprintable character escaped as <c>\uXXXX</c>; other text unchanged.</summary>
    public static string Printable(string text)
    {
        int first = FirstUnprintable(text);
        if (first < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        builder.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var rune = new Rune(c, text[i + 1]);
                if (IsPrintable(Rune.GetUnicodeCategory(rune)))
                {
                    builder.Append(c).Append(text[i + 1]);
                }
                else
                {
                    builder.Append(CultureInfo.InvariantCulture, $"\\U{rune.Value:X8}");
                }

                i++;
            }
            else if (char.IsSurrogate(c) || !IsPrintable(char.GetUnicodeCategory(c)))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>The text made printable, then escaped for Spectre.Console markup (for tables, titles and markup lines).</summary>
    public static string Markup(string text) => Spectre.Console.Markup.Escape(Printable(text));

    private static int FirstUnprintable(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsSurrogate(c) || !IsPrintable(char.GetUnicodeCategory(c)))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsPrintable(UnicodeCategory category) => category is not (UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
}
