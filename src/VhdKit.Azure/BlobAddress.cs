namespace VhdKit.Azure;

/// <summary>
/// A blob's URL as it may be shown: the scheme, host and path, with any query string (a SAS token, whose <c>sig</c> is
/// a secret) replaced by <c>?[SAS redacted]</c>. Every message, progress line and JSON document names a blob this way.
/// </summary>
public static class BlobAddress
{
    /// <summary>What stands in for a query string that was removed.</summary>
    public const string RedactedQuery = "?[SAS redacted]";

    /// <summary>The URL without its query string (<see cref="RedactedQuery"/> in its place when it had one).</summary>
    /// <param name="url">A blob URL as the user typed it.</param>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        int query = url.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? url : string.Concat(url.AsSpan(0, query), RedactedQuery);
    }

    /// <summary>Whether <paramref name="text"/> looks like a blob URL (<c>http://</c> or <c>https://</c>) rather than a local path.</summary>
    /// <param name="text">A path or URL as the user typed it.</param>
    public static bool IsUrl(string text) =>
        text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
}
