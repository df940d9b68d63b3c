namespace VhdKit.Cli.Output;

/// <summary><c>vhd download --output=json</c>: the local file made from a page blob.</summary>
/// <param name="BlobUrl">The blob's URL with any SAS query string redacted.</param>
/// <param name="Target">The new file, as an absolute path.</param>
/// <param name="TargetFormat">What was written: <c>dynamic</c>, <c>fixed</c> (VHD) or <c>raw</c>.</param>
/// <param name="VirtualSize">The disk's size in bytes.</param>
/// <param name="BytesDownloaded">The bytes read from the blob's page ranges.</param>
/// <param name="FileLength">The new file's length in bytes.</param>
/// <param name="VerifiedRanges">Ranges read from the blob that were read back from the written file and found equal before it was moved into place.</param>
/// <param name="BytesFetched">The bytes this run read from the blob (its pieces and the 512-byte footer).</param>
/// <param name="Resumed">Whether this run took over an interrupted download of the same blob, unchanged.</param>
/// <param name="BytesReused">The bytes an interrupted run had staged and recorded, taken over instead of fetched again.</param>
/// <param name="DiscardedPartial">Why a partial download found beside the target was discarded, or null.</param>
internal sealed record DownloadDocument(string BlobUrl, string Target, string TargetFormat, long VirtualSize, long BytesDownloaded, long FileLength, int VerifiedRanges,
    long BytesFetched, bool Resumed, long BytesReused, string? DiscardedPartial)
    : VerbDocument("download")
{
}
