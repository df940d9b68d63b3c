using System.Buffers;
using System.Collections.Immutable;
using Azure;
using Azure.Storage.Blobs.Models;
using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Azure;

/// <summary>
/// Uploads a local VHD (through its chain) or raw file as the fixed VHD page blob Azure requires: the blob is created
/// at the virtual size plus 512 bytes, only runs of 512-byte pages that hold data are written (in parallel, at most
/// 4 MiB each), and the fixed footer is written last, so a blob without its footer is never taken for a disk.
/// </summary>
public static class UploadOperation
{
    /// <summary>The most page writes in flight at once.</summary>
    public const int MaximumThreads = 64;

    /// <summary>Runs the upload.</summary>
    /// <param name="request">What to upload, where, and how.</param>
    /// <param name="progress">Receives the bytes of possible data scanned so far, of the total.</param>
    /// <param name="cancellationToken">Stops the upload; the blob is then left without its footer (not a valid VHD).</param>
    /// <returns>The sizes and the bytes sent.</returns>
    /// <exception cref="ArgumentException">The request is invalid, or the source's size is not one Azure accepts (nothing is sent).</exception>
    /// <exception cref="FileNotFoundException">The source does not exist.</exception>
    /// <exception cref="VhdFormatException">The source is a damaged VHD.</exception>
    /// <exception cref="AzureBlobException">Azure refused a request (the blob exists, wrong credential, ...) or could not be reached.</exception>
    /// <exception cref="OperationCanceledException">The upload was cancelled.</exception>
    public static async Task<UploadResult> RunAsync(UploadRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Threads is < 1 or > MaximumThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"--threads (UploadRequest.Threads) must be 1 to {MaximumThreads}; was {request.Threads}.");
        }

        using UploadSource source = UploadSource.Open(request.Source);
        long virtualSize = PageBlobRules.VirtualSizeFor(source.Capacity, request.ResizeToMiB, request.Source);
        BlobConnection connection = BlobConnection.Open(request.BlobUrl);
        try
        {
            return await UploadAsync(source, virtualSize, connection, request, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            throw new AzureBlobException($"{connection.DisplayUrl} already exists; pass --overwrite (UploadRequest.Overwrite) to replace it. Nothing was sent.")
            {
                Status = e.Status,
                ErrorCode = e.ErrorCode,
            };
        }
        catch (Exception e) when (connection.Explain(e, "upload to") is { } explained)
        {
            throw explained;
        }
    }

    private static async Task<UploadResult> UploadAsync(UploadSource source, long virtualSize, BlobConnection connection, UploadRequest request,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var conditions = request.Overwrite ? null : new PageBlobRequestConditions { IfNoneMatch = ETag.All };
        await connection.Client.CreateAsync(virtualSize + VhdFooter.Size, new PageBlobCreateOptions { Conditions = conditions }, cancellationToken)
            .ConfigureAwait(false);

        ImmutableArray<PageWindow> windows = PageWindow.Cut(source.DataRanges, source.Capacity);
        long total = 0;
        foreach (PageWindow window in windows)
        {
            total += window.Length;
        }

        long scanned = 0;
        long data = 0;
        int writes = 0;
        progress?.Report(new OperationProgress(0, total));
        var options = new ParallelOptions { MaxDegreeOfParallelism = request.Threads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(windows, options, async (window, token) =>
        {
            (long written, int requests) = await SendAsync(source, connection, window, token).ConfigureAwait(false);
            Interlocked.Add(ref data, written);
            Interlocked.Add(ref writes, requests);
            progress?.Report(new OperationProgress(Interlocked.Add(ref scanned, window.Length), total));
        }).ConfigureAwait(false);

        // The footer last: until it is there, the blob is no VHD, so an interrupted upload is never taken for a whole disk.
        byte[] footer = new byte[VhdFooter.Size];
        PageBlobRules.FixedFooter(virtualSize).WriteTo(footer);
        using (var stream = new MemoryStream(footer, writable: false))
        {
            await connection.Client.UploadPagesAsync(stream, virtualSize, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return new UploadResult(connection.DisplayUrl, source.Capacity, virtualSize, virtualSize + VhdFooter.Size,
            data + VhdFooter.Size, connection.BytesSent, writes + 1);
    }

    /// <summary>Reads one window and writes each run of pages in it that is not all zeros; returns the bytes and requests sent.</summary>
    private static async Task<(long Bytes, int Requests)> SendAsync(UploadSource source, BlobConnection connection, PageWindow window, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(window.Length);
        try
        {
            // The last page of a source that is not a whole number of pages reads short: the rest of it is zeros.
            int readable = (int)Math.Min(window.Length, source.Capacity - window.Offset);
            source.ReadExactly(buffer.AsSpan(0, readable), window.Offset);
            buffer.AsSpan(readable, window.Length - readable).Clear();

            long bytes = 0;
            int requests = 0;
            int page = 0;
            while (page < window.Length)
            {
                if (IsZero(buffer, page))
                {
                    page += PageBlobRules.PageSize;
                    continue;
                }

                int runEnd = page + PageBlobRules.PageSize;
                while (runEnd < window.Length && !IsZero(buffer, runEnd))
                {
                    runEnd += PageBlobRules.PageSize;
                }

                using var stream = new MemoryStream(buffer, page, runEnd - page, writable: false);
                await connection.Client.UploadPagesAsync(stream, window.Offset + page, cancellationToken: cancellationToken).ConfigureAwait(false);
                bytes += runEnd - page;
                requests++;
                page = runEnd;
            }

            return (bytes, requests);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsZero(byte[] buffer, int page) => buffer.AsSpan(page, PageBlobRules.PageSize).IndexOfAnyExcept((byte)0) < 0;
}
