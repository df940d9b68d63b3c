namespace VhdKit.Azure;

/// <summary>What <see cref="DownloadOperation"/> did.</summary>
/// <param name="BlobUrl">The blob, redacted (<see cref="BlobAddress.Redact"/>).</param>
/// <param name="Target">The new file, as an absolute path.</param>
/// <param name="VirtualSize">The disk's size in bytes (the blob's, less its footer).</param>
/// <param name="BytesDownloaded">The bytes read from the blob's page ranges (besides the 512-byte footer read first).</param>
/// <param name="BytesWritten">The bytes of data written (chunks that were not all zeros).</param>
/// <param name="FileLength">The new file's length in bytes.</param>
public sealed record DownloadResult(string BlobUrl, string Target, long VirtualSize, long BytesDownloaded, long BytesWritten, long FileLength)
{
    /// <summary>How many ranges read from the blob were read back from the written file and found equal (SHA-256) before it was moved into place.</summary>
    public int VerifiedRanges { get; init; }
}
