using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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

    /// <summary>Runs the upload, or resumes an interrupted one of the same source (sending only the windows it had not recorded as done).</summary>
    /// <param name="request">What to upload, where, and how.</param>
    /// <param name="progress">Receives the bytes of possible data scanned so far, of the total (a resumed run starts at what was done).</param>
    /// <param name="cancellationToken">Stops the upload; the blob is then left without its footer (not a valid VHD), and the same upload run again resumes it.</param>
    /// <returns>The sizes and the bytes sent.</returns>
    /// <exception cref="ArgumentException">The request is invalid, or the source's size is not one Azure accepts, or <see cref="UploadRequest.BaseUrl"/> is given for a disk that is not differencing (nothing is sent).</exception>
    /// <exception cref="FileNotFoundException">The source does not exist.</exception>
    /// <exception cref="VhdFormatException">The source is a damaged VHD, or the base blob is no fixed VHD.</exception>
    /// <exception cref="InvalidOperationException">The base blob is not the child's parent, or the blob holds an interrupted upload of another source (nothing is written).</exception>
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
        BaseBlob? baseBlob = request.BaseUrl is { } baseUrl ? BaseBlob.Check(source, request.Source, baseUrl, cancellationToken) : null;

        // A patch writes the child's own sectors (zeros included: they hide the base's data); else every run that may hold data.
        ImmutableArray<PageWindow> windows = PageWindow.Cut(baseBlob is null ? source.DataRanges : source.LeafRanges(), source.Capacity);
        var fresh = UploadJournal.Start(IdentityKey(source, virtualSize, baseBlob, windows), source.Description, windows.Length);
        try
        {
            using UploadTarget target = await UploadTarget.OpenAsync(connection, fresh, virtualSize, baseBlob, request.Overwrite, request.Source, cancellationToken)
                .ConfigureAwait(false);
            return await UploadAsync(source, virtualSize, connection, target, windows, baseBlob, request.Threads, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            throw UploadTarget.AlreadyExists(connection, e.Status, e.ErrorCode);
        }
        catch (Exception e) when (connection.Explain(e, "upload to") is { } explained)
        {
            throw explained;
        }
    }

    /// <summary>
    /// The journal's key: the source's identity, the blob's size, the base, and the windows themselves (a journal
    /// names windows by index, so a resume needs the very same list; a file system that reports a file's data runs
    /// differently makes another key, and the upload is refused rather than resumed wrongly).
    /// </summary>
    private static string IdentityKey(UploadSource source, long virtualSize, BaseBlob? baseBlob, ImmutableArray<PageWindow> windows)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{source.IdentityKey};{virtualSize};{baseBlob?.Identity}")));
        Span<byte> window = stackalloc byte[12];
        foreach (PageWindow each in windows)
        {
            BinaryPrimitives.WriteInt64LittleEndian(window, each.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(window[8..], each.Length);
            hash.AppendData(window);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<UploadResult> UploadAsync(UploadSource source, long virtualSize, BlobConnection connection, UploadTarget target,
        ImmutableArray<PageWindow> windows, BaseBlob? baseBlob, int threads, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        long total = 0;
        long skipped = 0;
        var pending = new List<int>(windows.Length);
        for (int index = 0; index < windows.Length; index++)
        {
            total += windows[index].Length;
            if (target.Journal.IsDone(index))
            {
                skipped += windows[index].Length;
            }
            else
            {
                pending.Add(index);
            }
        }

        long scanned = skipped;
        long data = 0;
        int writes = 0;
        progress?.Report(new OperationProgress(scanned, total));
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(pending, options, async (index, token) =>
        {
            (long written, int requests) = await SendAsync(source, connection, windows[index], clearZeros: baseBlob is not null, token).ConfigureAwait(false);
            Interlocked.Add(ref data, written);
            Interlocked.Add(ref writes, requests);

            // A worker takes no other window before this one is in the journal: a stop loses at most one window per thread.
            await target.RecordAsync(index, token).ConfigureAwait(false);
            progress?.Report(new OperationProgress(Interlocked.Add(ref scanned, windows[index].Length), total));
        }).ConfigureAwait(false);

        // The footer last: until it is there, the blob is no VHD, so an interrupted upload is never taken for a whole disk.
        await target.FinishAsync(PageBlobRules.FixedFooter(virtualSize, source.UniqueId), virtualSize, cancellationToken).ConfigureAwait(false);
        return new UploadResult(connection.DisplayUrl, source.Capacity, virtualSize, virtualSize + VhdFooter.Size,
            data + VhdFooter.Size, connection.BytesSent, writes + 1)
        {
            Resumed = target.Resumed,
            SkippedBytes = skipped,
            BaseUrl = baseBlob?.DisplayUrl,
        };
    }

    /// <summary>
    /// Reads one window and writes each run of pages in it that is not all zeros; with <paramref name="clearZeros"/>
    /// (a patch onto a base) also clears each run of zero pages. Returns the bytes written and the requests made.
    /// The read and the zero scan are the copy engine's (<see cref="ScannedChunk"/>, <see cref="ZeroRuns"/> in pages).
    /// </summary>
    private static async Task<(long Bytes, int Requests)> SendAsync(UploadSource source, BlobConnection connection, PageWindow window, bool clearZeros,
        CancellationToken cancellationToken)
    {
        using ScannedChunk chunk = source.Read(window);
        long bytes = 0;
        int requests = 0;
        foreach (ZeroRun run in chunk.Runs(PageBlobRules.PageSize))
        {
            if (run.IsZero)
            {
                if (clearZeros)
                {
                    await connection.Client.ClearPagesAsync(new HttpRange(window.Offset + run.Start, run.Length), cancellationToken: cancellationToken).ConfigureAwait(false);
                    requests++;
                }

                continue;
            }

            using var stream = new MemoryStream(chunk.Bytes.Array!, run.Start, run.Length, writable: false);
            await connection.Client.UploadPagesAsync(stream, window.Offset + run.Start, cancellationToken: cancellationToken).ConfigureAwait(false);
            bytes += run.Length;
            requests++;
        }

        return (bytes, requests);
    }
}
