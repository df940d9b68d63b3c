using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Azure;

/// <summary>
/// Downloads a fixed VHD page blob into a new local file (a dynamic VHD by default): only the blob's page ranges are
/// read (Get Page Ranges), so a large blob holding little data downloads little and gives a small sparse file. Written
/// the way <see cref="ConvertOperation"/> writes: a temporary file beside the target, a checked flush, then moved into
/// place without replacing anything; a failed or cancelled download leaves nothing.
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
    /// <exception cref="IOException">Writing the target failed.</exception>
    /// <exception cref="OperationCanceledException">The download was cancelled.</exception>
    public static Task<DownloadResult> RunAsync(DownloadRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Target);
        BlobConnection connection = BlobConnection.Open(request.BlobUrl);
        return Task.Run(() =>
        {
            try
            {
                using BlobSource source = BlobSource.Open(connection, cancellationToken);
                ConvertResult result = ConvertOperation.Run(source, request.Target, request.Format, SyncMode.Durable, static storage => storage, progress, cancellationToken);
                return new DownloadResult(connection.DisplayUrl, result.Target, source.Capacity, result.BytesRead, result.BytesWritten, result.FileSize);
            }
            catch (Exception e) when (connection.Explain(e, "download") is { } explained)
            {
                throw explained;
            }
        }, cancellationToken);
    }
}
