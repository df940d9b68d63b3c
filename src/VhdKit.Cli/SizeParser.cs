using System.Globalization;

namespace VhdKit.Cli;

/// <summary>Parses sizes such as <c>64MiB</c>, <c>1.5GiB</c>, <c>512KiB</c>, <c>4096</c> (bytes) or <c>100MB</c>.</summary>
/// <remarks>MB and GB mean MiB and GiB, as in the Virtual Server API, whose sizeMB counted 1,048,576-byte megabytes.</remarks>
internal static class SizeParser
{
    private static readonly (string Suffix, long Multiplier)[] Units =
    [
        ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
        ("TB", 1L << 40), ("GB", 1L << 30), ("MB", 1L << 20), ("KB", 1L << 10),
        ("T", 1L << 40), ("G", 1L << 30), ("M", 1L << 20), ("K", 1L << 10),
        ("B", 1),
    ];

    public static bool TryParse(string text, out long bytes, out string error)
    {
        bytes = 0;
        string trimmed = text.Trim();
        long multiplier = 1;
        foreach ((string suffix, long value) in Units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                multiplier = value;
                trimmed = trimmed[..^suffix.Length].TrimEnd();
                break;
            }
        }

        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number))
        {
            error = $"'{text}' is not a size (examples: 64MiB, 1.5GiB, 104858112).";
            return false;
        }

        decimal exact = number * multiplier;
        if (exact != decimal.Truncate(exact) || exact > long.MaxValue)
        {
            error = $"'{text}' is not a whole number of bytes.";
            return false;
        }

        bytes = (long)exact;
        error = string.Empty;
        return true;
    }

    public static string Format(long bytes)
    {
        string[] names = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < names.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {names[unit]} ({bytes} bytes)");
    }
}
