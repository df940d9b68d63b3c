using Azure;
using VhdKit.Format;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Azure;

/// <summary>
/// Downloads a fixed VHD page blob into a new local file (a dynamic VHD by default): only the blob's page ranges are
/// read (Get Page Ranges), so a large blob holding little data downloads little and gives a small sparse file. Written
/// the way <see cref="ConvertOperation"/> writes: a temporary file beside the target, a checked flush, then moved into
/// place without replacing anything; a failed or cancelled download leaves nothing. Before the move, every range read
/// is read back from the written file and compared (SHA-256) with what the blob sent, and every read asks for the
/// blob as it was at the start (its ETag), so a blob changed during the download is refused, not mixed.
/// Not resumable: a stopped download starts again from scratch (see docs/azure.md for why).
/// </summary>
public static class DownloadOperation
{
    /// <summary>Runs the download.</summary>
    /// <param name="request">What to download, where, and as what.</param>
    /// <param name="progress">Receives the bytes of page ranges copied so far, of the total.</param>
    /// <param name="cancellationToken">Stops the download (nothing is left behind).</param>
    /// <returns>The sizes and the bytes read.</returns>
    /// <exception cref="ArgumentException">The URL or a credential is invalid.</exception>
    /// <exception cref="VhdFormatException">The blob is no fixed VHD.</exception>
    /// <exception cref="ImageAlreadyExistsException">Something exists at the target.</exception>
    /// <exception cref="AzureBlobException">Azure refused a request or could not be reached.</exception>
    /// <exception cref="IOException">Writing the target failed, or the written file did not verify.</exception>
    /// <exception cref="OperationCanceledException">The download was cancelled.</exception>
    public static Task<DownloadResult> RunAsync(DownloadRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(request, static storage => storage, progress, cancellationToken);

    /// <summary>The download, with the temporary file's storage wrapped (tests put a fault there).</summary>
    internal static Task<DownloadResult> RunAsync(DownloadRequest request, Func<IPositionalStorage, IPositionalStorage> wrapTemporary,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Target);
        BlobConnection connection = BlobConnection.Open(request.BlobUrl);
        return Task.Run(() =>
        {
            try
            {
                var digests = new DownloadDigests();
                using BlobSource source = BlobSource.Open(connection, cancellationToken, digests);
                ConvertResult result = ConvertOperation.Run(source, request.Target, request.Format, SyncMode.Durable, wrapTemporary, progress, cancellationToken,
                    temporary => digests.Verify(temporary, request.Format, request.Target, cancellationToken));
                return new DownloadResult(connection.DisplayUrl, result.Target, source.Capacity, result.BytesRead, result.BytesWritten, result.FileSize)
                {
                    VerifiedRanges = digests.Count,
                };
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                throw new AzureBlobException(
                    $"{connection.DisplayUrl} changed during the download (it is no longer the blob read at the start: HTTP 412 {e.ErrorCode}); nothing was left at {request.Target}. Download it again once nothing writes to it.")
                {
                    Status = e.Status,
                    ErrorCode = e.ErrorCode,
                };
            }
            catch (Exception e) when (connection.Explain(e, "download") is { } explained)
            {
                throw explained;
            }
        }, cancellationToken);
    }
}
