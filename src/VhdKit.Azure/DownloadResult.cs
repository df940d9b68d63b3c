namespace VhdKit.Azure;

/// <summary>What <see cref="DownloadOperation"/> did.</summary>
/// <param name="BlobUrl">The blob, redacted (<see cref="BlobAddress.Redact"/>).</param>
/// <param name="Target">The new file, as an absolute path.</param>
/// <param name="VirtualSize">The disk's size in bytes (the blob's, less its footer).</param>
/// <param name="BytesDownloaded">The bytes of the blob's page ranges now in the file: read by this run, or by an interrupted one it resumed (besides the 512-byte footer).</param>
/// <param name="BytesWritten">The bytes of data written (chunks that were not all zeros).</param>
/// <param name="FileLength">The new file's length in bytes.</param>
public sealed record DownloadResult(string BlobUrl, string Target, long VirtualSize, long BytesDownloaded, long BytesWritten, long FileLength)
{
    /// <summary>How many ranges read from the blob were read back from the written file and found equal (SHA-256) before it was moved into place.</summary>
    public int VerifiedRanges { get; init; }

    /// <summary>The bytes this run read from the blob: the pieces it fetched and the 512-byte footer.</summary>
    public long BytesFetched { get; init; }

    /// <summary>The bytes of pieces an interrupted run had staged and recorded, taken over (and checked against their hashes) instead of fetched again.</summary>
    public long BytesReused { get; init; }

    /// <summary>Whether this run took over an interrupted download of the same blob, unchanged.</summary>
    public bool Resumed { get; init; }

    /// <summary>Why a partial download found beside the target was discarded (another blob, the blob changed since), or null.</summary>
    public string? DiscardedPartial { get; init; }
}
