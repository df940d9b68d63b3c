using System.Globalization;
using VhdKit.Format;

namespace VhdKit.Cli.Output;

/// <summary>Times in documents: ISO 8601 in UTC to the second, from a VHD timestamp (seconds since 2000-01-01 UTC).</summary>
internal static class JsonTime
{
    /// <summary>"2026-12-03T10:07:13Z".</summary>
    public static string Format(uint vhdTimestamp) =>
        VhdTimestamp.ToDateTime(vhdTimestamp).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
