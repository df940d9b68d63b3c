namespace VhdKit.Cli.Output;

/// <summary><c>vhd upload --output=json</c>: the page blob made and what it took.</summary>
/// <param name="Source">The local disk, as an absolute path.</param>
/// <param name="BlobUrl">The blob's URL with any SAS query string redacted.</param>
/// <param name="SourceSize">The source's virtual size in bytes.</param>
/// <param name="VirtualSize">The blob's VHD virtual size in bytes (whole MiB).</param>
/// <param name="BlobSize">The page blob's size in bytes: the virtual size plus the 512-byte footer.</param>
/// <param name="DataBytes">Bytes written as pages (runs of non-zero 512-byte pages), the footer included.</param>
/// <param name="BytesSent">Request body bytes put on the wire, retries included.</param>
/// <param name="PageWrites">Put Page (and, for a patch, Clear Pages) requests made, the footer's included.</param>
/// <param name="BaseUrl">The base blob a differencing disk was uploaded onto (redacted), or null.</param>
/// <param name="Resumed">Whether this run resumed an interrupted upload of the same source.</param>
/// <param name="SkippedBytes">The bytes of windows an interrupted run had sent, not sent again.</param>
internal sealed record UploadDocument(string Source, string BlobUrl, long SourceSize, long VirtualSize, long BlobSize, long DataBytes, long BytesSent, int PageWrites,
    string? BaseUrl, bool Resumed, long SkippedBytes)
    : VerbDocument("upload")
{
}
