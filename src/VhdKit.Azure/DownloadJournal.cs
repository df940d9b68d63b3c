using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VhdKit.Azure;

/// <summary>Which blob, in which state, a partial download holds: a resume needs all three the same.</summary>
/// <param name="BlobUrl">The blob's URL without its query string (a new SAS token names the same blob).</param>
/// <param name="ETag">The blob's ETag when the download started (Azure changes it on every write).</param>
/// <param name="BlobLength">The blob's length, footer included.</param>
internal sealed record DownloadIdentity(string BlobUrl, string ETag, long BlobLength);

/// <summary>A piece fetched, written to the staged file and flushed: where, how long, and the SHA-256 of what Azure sent.</summary>
internal sealed record DownloadRecord(long Offset, int Length, byte[] Hash);

/// <summary>
/// The text of a partial download's journal (<c>journal</c> in its folder, see <see cref="DownloadState"/>): four header
/// lines, then one line per piece recorded, appended after the staged file holding it was flushed:
/// <code>
/// vhdkit-download 1
/// blob https://acct.blob.core.windows.net/vhds/disk.vhd
/// etag "0x8DC..."
/// length 68719477248
/// range 0 4194304 9f86d081...   (offset, length, SHA-256 in hex)
/// </code>
/// A line counts only when it is whole (ends with a newline and parses): a line torn by a crash, and anything after it,
/// is not trusted, so its piece is fetched again.
/// </summary>
internal static class DownloadJournal
{
    private const string Magic = "vhdkit-download 1";
    private const string RangeWord = "range";
    private const int HashHexLength = 64;

    /// <summary>The four header lines for <paramref name="identity"/>.</summary>
    public static string Header(DownloadIdentity identity) =>
        string.Create(CultureInfo.InvariantCulture, $"{Magic}\nblob {identity.BlobUrl}\netag {identity.ETag}\nlength {identity.BlobLength}\n");

    /// <summary>One record's line.</summary>
    public static string Line(DownloadRecord record) =>
        string.Create(CultureInfo.InvariantCulture, $"{RangeWord} {record.Offset} {record.Length} {Convert.ToHexStringLower(record.Hash)}\n");

    /// <summary>
    /// The records of a journal written for <paramref name="identity"/>, or null with <paramref name="mismatch"/> saying
    /// why the journal is not one (another blob, the blob changed, not a journal).
    /// </summary>
    public static ImmutableArray<DownloadRecord>? Parse(string text, DownloadIdentity identity, out string? mismatch)
    {
        string[] lines = text.Split('\n');
        int whole = lines.Length - 1; // the text after the last newline is torn (or empty)
        if (whole < 4 || lines[0] != Magic)
        {
            mismatch = "its journal is not one VhdKit wrote (or was cut short)";
            return null;
        }

        string? blob = Value(lines[1], "blob");
        string? etag = Value(lines[2], "etag");
        string? length = Value(lines[3], "length");
        mismatch = blob != identity.BlobUrl ? $"it was a download of another blob ({blob ?? "not named"})"
            : etag != identity.ETag ? $"the blob changed since (its ETag was {etag}, is now {identity.ETag})"
            : length != identity.BlobLength.ToString(CultureInfo.InvariantCulture) ? $"the blob's length changed since (was {length}, is now {identity.BlobLength})"
            : null;
        if (mismatch is not null)
        {
            return null;
        }

        var records = ImmutableArray.CreateBuilder<DownloadRecord>();
        for (int i = 4; i < whole; i++)
        {
            if (ParseRecord(lines[i]) is not { } record)
            {
                break; // torn or foreign: nothing after it is trusted
            }

            records.Add(record);
        }

        return records.ToImmutable();
    }

    private static string? Value(string line, string key) =>
        line.Length > key.Length + 1 && line.StartsWith(key, StringComparison.Ordinal) && line[key.Length] == ' ' ? line[(key.Length + 1)..] : null;

    private static DownloadRecord? ParseRecord(string line)
    {
        string[] fields = line.Split(' ');
        if (fields.Length != 4 || fields[0] != RangeWord
            || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long offset)
            || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int length)
            || length is < 1 or > DownloadPiece.Size
            || fields[3].Length != HashHexLength)
        {
            return null;
        }

        try
        {
            return new DownloadRecord(offset, length, Convert.FromHexString(fields[3]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The journal's bytes: <paramref name="header"/> then each record's line.</summary>
    public static byte[] Encode(string header, IEnumerable<DownloadRecord> records)
    {
        var text = new StringBuilder(header);
        foreach (DownloadRecord record in records)
        {
            text.Append(Line(record));
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
