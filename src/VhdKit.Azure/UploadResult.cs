namespace VhdKit.Azure;

/// <summary>What <see cref="UploadOperation"/> did.</summary>
/// <param name="BlobUrl">The blob, redacted (<see cref="BlobAddress.Redact"/>).</param>
/// <param name="SourceSize">The source's virtual size in bytes.</param>
/// <param name="VirtualSize">The blob's VHD virtual size (a whole number of MiB; larger than the source's only with <see cref="UploadRequest.ResizeToMiB"/>).</param>
/// <param name="BlobSize">The page blob's size: <paramref name="VirtualSize"/> plus the 512-byte footer.</param>
/// <param name="DataBytes">The bytes of data this run wrote as pages (runs of 512-byte pages not all zeros), footer included.</param>
/// <param name="BytesSent">The request body bytes put on the wire (retries included).</param>
/// <param name="PageWrites">How many page writes (and, for a patch, page clears) this run made.</param>
public sealed record UploadResult(string BlobUrl, long SourceSize, long VirtualSize, long BlobSize, long DataBytes, long BytesSent, int PageWrites)
{
    /// <summary>Whether this run resumed an interrupted upload of the same source (sending only what was missing).</summary>
    public bool Resumed { get; init; }

    /// <summary>The bytes of windows an interrupted run had already sent, skipped by this one (0 when not resumed).</summary>
    public long SkippedBytes { get; init; }

    /// <summary>The base blob the upload was a patch onto (redacted), or null.</summary>
    public string? BaseUrl { get; init; }
}
