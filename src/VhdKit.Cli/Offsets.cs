namespace VhdKit.Cli;

/// <summary>Offsets and lengths on the command line: bytes, or a size with a unit.</summary>
internal static class Offsets
{
    public static long Parse(string text, string option) =>
        SizeParser.TryParse(text, out long bytes, out string error) ? bytes : throw new ArgumentException($"{option}: {error}");
}
