using System.Text.RegularExpressions;

namespace VhdKit.Cli.Output;

/// <summary>
/// Removes the query string (a SAS token, whose <c>sig</c> is a secret) of every http(s) URL in a text the CLI prints
/// that may quote what was typed, such as a parse error: <c>?[SAS redacted]</c> stands in its place, as VhdKit.Azure's
/// BlobAddress writes it.
/// </summary>
internal static partial class UrlRedaction
{
    public static string Redact(string text) => UrlQuery().Replace(text, "$1?[SAS redacted]");

    // A query already redacted (a library message names a blob by its redacted URL) is left as it is.
    [GeneratedRegex(@"(https?://[^\s'""?]*)\?(?!\[SAS redacted\])[^\s'""]*", RegexOptions.IgnoreCase)]
    private static partial Regex UrlQuery();
}
