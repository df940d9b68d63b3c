using System.Collections.Immutable;
using Azure;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Azure;

/// <summary>
/// Downloads a fixed VHD page blob into a new local file (a dynamic VHD by default): only the blob's page ranges are
/// read (Get Page Ranges), so a large blob holding little data downloads little and gives a small sparse file.
/// Resumable: the pieces are fetched in parallel into a sparse staged file beside the target, each recorded with its
/// SHA-256 in a journal once flushed (<see cref="DownloadState"/>), so running the same download again after Ctrl+C,
/// a lost connection or a kill fetches only what is missing. Every read asks for the blob as it was at the start (its
/// ETag); a blob changed since an interrupted run is downloaded again from the start, never mixed. Once every piece is
/// staged, the target is built from the staged file locally the way <see cref="ConvertOperation"/> writes (checked
/// flush), read back and compared with every recorded hash, then moved into place without replacing anything.
/// </summary>
public static class DownloadOperation
{
    /// <summary>How many ranged reads may be in flight at most (<see cref="DownloadRequest.Threads"/>).</summary>
    public const int MaximumThreads = 64;

    /// <summary>Runs the download.</summary>
    /// <param name="request">What to download, where, and as what.</param>
    /// <param name="progress">Receives the bytes of page ranges staged so far (resumed ones included), of the total.</param>
    /// <param name="cancellationToken">Stops the download (the pieces staged so far are kept for a resume).</param>
    /// <returns>The sizes and the bytes read.</returns>
    /// <exception cref="ArgumentException">The URL or a credential is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="DownloadRequest.Threads"/> is not 1 to <see cref="MaximumThreads"/>.</exception>
    /// <exception cref="VhdFormatException">The blob is no fixed VHD.</exception>
    /// <exception cref="ImageAlreadyExistsException">Something exists at the target.</exception>
    /// <exception cref="AzureBlobException">Azure refused a request or could not be reached.</exception>
    /// <exception cref="IOException">Writing the target failed, or the written file did not verify.</exception>
    /// <exception cref="OperationCanceledException">The download was cancelled.</exception>
    public static Task<DownloadResult> RunAsync(DownloadRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(request, static storage => storage, progress, cancellationToken);

    /// <summary>The download, with the built file's storage wrapped (tests put a fault there).</summary>
    internal static Task<DownloadResult> RunAsync(DownloadRequest request, Func<IPositionalStorage, IPositionalStorage> wrapTemporary,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Target);
        if (request.Threads is < 1 or > MaximumThreads)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"--threads (DownloadRequest.Threads) must be 1 to {MaximumThreads}; was {request.Threads}.");
        }

        BlobConnection connection = BlobConnection.Open(request.BlobUrl);
        string target = Path.GetFullPath(request.Target);
        return Task.Run(() =>
        {
            DownloadState? state = null;
            try
            {
                NewFile.ThrowIfExists(target);
                using BlobSource source = BlobSource.Open(connection, cancellationToken);
                ImmutableArray<DownloadPiece> plan = DownloadPiece.Plan(source.Extents());
                var identity = new DownloadIdentity(BlobAddress.Redact(request.BlobUrl).Replace(BlobAddress.RedactedQuery, string.Empty, StringComparison.Ordinal),
                    source.ETag.ToString(), source.BlobLength);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                state = DownloadState.OpenOrCreate(target, identity, source.Capacity, plan, cancellationToken);
                return Download(source, state, plan, request, target, wrapTemporary, progress, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                state?.Delete();
                throw new AzureBlobException(
                    $"{connection.DisplayUrl} changed during the download (it is no longer the blob read at the start: HTTP 412 {e.ErrorCode}); nothing was left at {target}. Download it again once nothing writes to it.")
                {
                    Status = e.Status,
                    ErrorCode = e.ErrorCode,
                };
            }
            catch (DownloadVerificationException e)
            {
                state?.Delete();
                throw new IOException(e.Message, e);
            }
            catch (Exception e) when (connection.Explain(e, "download") is { } explained)
            {
                throw Kept(explained, state);
            }
            catch (IOException e) when (state is not null && e is not AzureBlobException and not ImageAlreadyExistsException)
            {
                // A local failure (a full disk, an I/O error on the staged file): what is recorded stays usable.
                throw new IOException($"{e.Message} The pieces fetched so far are kept in {state.Folder}: run the same download again to fetch only the rest, or delete that folder.", e);
            }
            finally
            {
                state?.Dispose();
            }
        }, cancellationToken);
    }

    private static DownloadResult Download(BlobSource source, DownloadState state, ImmutableArray<DownloadPiece> plan, DownloadRequest request, string target,
        Func<IPositionalStorage, IPositionalStorage> wrapTemporary, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var held = new HashSet<long>();
        long reused = 0;
        foreach (DownloadRecord record in state.Records())
        {
            held.Add(record.Offset);
            reused += record.Length;
        }

        ImmutableArray<DownloadPiece> todo = [.. plan.Where(piece => !held.Contains(piece.Offset))];
        long total = source.StoredBytes;
        long staged = reused;
        progress?.Report(new OperationProgress(staged, total));
        long fetched = DownloadStaging.Fetch(source, state, todo, request.Threads,
            bytes => progress?.Report(new OperationProgress(Interlocked.Add(ref staged, bytes), total)), cancellationToken);

        var digests = new DownloadDigests();
        foreach (DownloadRecord record in state.Records())
        {
            digests.Record(record.Offset, record.Length, record.Hash);
        }

        ConvertResult built = Build(state, request.Format, target, digests, wrapTemporary, cancellationToken);
        state.Delete();
        return new DownloadResult(BlobAddress.Redact(request.BlobUrl), target, source.Capacity, total, built.BytesWritten, built.FileSize)
        {
            VerifiedRanges = digests.Count,
            BytesFetched = fetched + VhdFooter.Size,
            BytesReused = reused,
            Resumed = state.Resumed,
            DiscardedPartial = state.Discarded,
        };
    }

    /// <summary>
    /// Makes the target from the staged file: converted into <c>built</c> in the state's folder (temporary file, checked
    /// flush), verified against every recorded hash, then moved to the target.
    /// </summary>
    private static ConvertResult Build(DownloadState state, ConvertFormat format, string target, DownloadDigests digests,
        Func<IPositionalStorage, IPositionalStorage> wrapTemporary, CancellationToken cancellationToken)
    {
        state.Dispose(); // the staged file is complete and flushed; the build reads it
        string built = Path.Combine(state.Folder, "built");
        ConvertResult result;
        using (ConvertSource staged = ConvertSource.Open(state.StagedPath, ImageFormat.Raw))
        {
            result = ConvertOperation.Run(staged, built, format, SyncMode.Durable, wrapTemporary, null, cancellationToken, temporary =>
            {
                try
                {
                    digests.Verify(temporary, format, target, cancellationToken);
                }
                catch (IOException e)
                {
                    throw new DownloadVerificationException(e.Message);
                }
            });
        }

        NewFile.MoveIntoPlace(built, target);
        return result with { Target = target, FileSize = new FileInfo(target).Length };
    }

    /// <summary>A failure that leaves the staged pieces for a resume says so.</summary>
    private static AzureBlobException Kept(AzureBlobException explained, DownloadState? state) =>
        state is null ? explained : new AzureBlobException(
            $"{explained.Message} The pieces fetched so far are kept in {state.Folder}: run the same download again to fetch only the rest, or delete that folder.")
        {
            Status = explained.Status,
            ErrorCode = explained.ErrorCode,
            IsAuthFailure = explained.IsAuthFailure,
        };

    /// <summary>The built file did not hold what the blob sent: its state is worth nothing.</summary>
    private sealed class DownloadVerificationException(string message) : Exception(message);
}
