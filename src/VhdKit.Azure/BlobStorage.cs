using Azure;
using Azure.Storage.Blobs.Models;
using VhdKit.Storage;

namespace VhdKit.Azure;

/// <summary>
/// A blob read in place, read-only: an <see cref="IPositionalStorage"/> whose reads are ranged downloads (Get Blob with
/// a range) through a bounded cache of aligned windows (<see cref="BlobStorageOptions"/>), so a VHD, a differencing
/// disk or a raw disk stored as a blob opens and reads without downloading the whole blob. For a page blob the written
/// ranges are listed once (Get Page Ranges) at the first read that needs them: a window with no written page reads as
/// zeros without a request. Every request is conditional on the ETag seen at open, so a blob changed meanwhile is an
/// error, never a mix of old and new bytes. Retries are the SDK's (<see cref="BlobConnection"/>); a failure is an
/// <see cref="AzureBlobException"/> naming the blob without its SAS token.
/// </summary>
public sealed class BlobStorage : IPositionalStorage, IRelativeLocations
{
    private readonly BlobConnection _connection;
    private readonly BlobRequestConditions _unchanged;
    private readonly ReadWindowCache _cache;
    private readonly bool _isPageBlob;
    private readonly Lock _mapLock = new();
    private PageRangeMap? _map;
    private bool _mapListed;
    private long _bytesFetched;
    private long _requests;

    private BlobStorage(BlobConnection connection, BlobProperties properties, BlobStorageOptions options)
    {
        _connection = connection;
        Length = properties.ContentLength;
        _unchanged = new BlobRequestConditions { IfMatch = properties.ETag };
        _isPageBlob = properties.BlobType == BlobType.Page;
        _cache = new ReadWindowCache(options.WindowSize, options.CacheWindows);
    }

    /// <summary>The blob's URL without its SAS token.</summary>
    public string Name => _connection.DisplayUrl;

    /// <inheritdoc />
    string? IRelativeLocations.Resolve(string relativePath) => BlobLocations.Resolve(_connection.Client.Uri, relativePath);

    /// <inheritdoc />
    string IRelativeLocations.WithCredential(string url) => BlobLocations.WithCredential(_connection.Client.Uri, url);

    /// <summary>Always <see langword="false"/>: a blob is read in place, never written.</summary>
    public bool CanWrite => false;

    /// <summary>The blob's length in bytes, as it was at open.</summary>
    public long Length { get; }

    /// <summary>The response bytes downloaded so far (ranged reads and the page range listing excluded).</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    /// <summary>The ranged downloads made so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>The window buffers allocated: at most <see cref="BlobStorageOptions.CacheWindows"/>.</summary>
    internal int CacheBuffersAllocated => _cache.BuffersAllocated;

    /// <summary>Opens the blob at <paramref name="blobUrl"/> for reading, with the credentials of the environment (<see cref="BlobConnection"/>).</summary>
    /// <param name="blobUrl">The blob's URL, with a SAS query string or not.</param>
    /// <param name="options">Window size and cache cap; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the request that reads the blob's properties.</param>
    /// <exception cref="ArgumentException">The URL is not a blob URL, or a credential variable is malformed.</exception>
    /// <exception cref="AzureBlobException">Azure refused (no such blob, access denied) or could not be reached.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static BlobStorage Open(string blobUrl, BlobStorageOptions? options = null, CancellationToken cancellationToken = default) =>
        Open(BlobConnection.Open(blobUrl), options, cancellationToken);

    /// <summary>Opens the blob of <paramref name="connection"/> for reading.</summary>
    /// <inheritdoc cref="Open(string, BlobStorageOptions?, CancellationToken)"/>
    public static BlobStorage Open(BlobConnection connection, BlobStorageOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= BlobStorageOptions.Default;
        options.Validate();
        try
        {
            BlobProperties properties = connection.Client.GetProperties(cancellationToken: cancellationToken).Value;
            return new BlobStorage(connection, properties, options);
        }
        catch (Exception e) when (connection.Explain(e, "open") is { } explained)
        {
            throw explained;
        }
    }

    /// <summary>
    /// Makes every <c>https://</c> and <c>http://</c> location a blob opened with <see cref="Open(string, BlobStorageOptions?, CancellationToken)"/>
    /// (VhdKit's <see cref="StorageLocations"/>): from then on <c>VhdImage.Open</c>, chains (a parent recorded as a URL
    /// included), convert, check and format detection read blob URLs in place. The <c>vhd</c> tool calls it at start.
    /// </summary>
    /// <param name="options">The cache of every blob opened this way; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    public static void Register(BlobStorageOptions? options = null)
    {
        options ??= BlobStorageOptions.Default;
        options.Validate();
        StorageLocations.Register("https", url => Open(url, options));
        StorageLocations.Register("http", url => Open(url, options));
    }

    /// <inheritdoc />
    /// <exception cref="AzureBlobException">Azure refused, could not be reached, or the blob changed since it was opened.</exception>
    public int Read(Span<byte> buffer, long offset) => Read(buffer, offset, CancellationToken.None);

    /// <inheritdoc />
    /// <exception cref="AzureBlobException">Azure refused, could not be reached, or the blob changed since it was opened.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        new(Task.Run(() => Read(buffer.Span, offset, cancellationToken), cancellationToken));

    /// <summary>Refused: a blob opened in place is read-only.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void Write(ReadOnlySpan<byte> buffer, long offset) => throw ReadOnly();

    /// <summary>Refused: a blob opened in place is read-only.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) => ValueTask.FromException(ReadOnly());

    /// <summary>Refused: a blob opened in place is read-only.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void SetLength(long length) => throw ReadOnly();

    /// <summary>Nothing to do: nothing is ever written.</summary>
    public void Flush()
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private int Read(Span<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
        {
            return 0;
        }

        int total = (int)Math.Min(buffer.Length, Length - offset);
        int window = _cache.WindowSize;
        int done = 0;
        while (done < total)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long at = offset + done;
            long index = at / window;
            long windowStart = index * window;
            int windowLength = (int)Math.Min(window, Length - windowStart);
            int inWindow = (int)(at - windowStart);
            int count = Math.Min(total - done, windowLength - inWindow);
            Span<byte> target = buffer.Slice(done, count);
            if (!_cache.TryCopy(index, inWindow, target))
            {
                if (count == windowLength)
                {
                    // A whole window asked for (a large sequential read): straight into the caller's buffer, not cached.
                    Fetch(target, windowStart, cancellationToken);
                }
                else
                {
                    FillWindow(index, windowStart, windowLength, inWindow, target, cancellationToken);
                }
            }

            done += count;
        }

        return total;
    }

    /// <summary>Downloads window <paramref name="index"/> into the cache and copies the part asked for.</summary>
    private void FillWindow(long index, long windowStart, int windowLength, int inWindow, Span<byte> target, CancellationToken cancellationToken)
    {
        byte[]? bytes = _cache.Rent();
        byte[]? own = bytes is null ? System.Buffers.ArrayPool<byte>.Shared.Rent(windowLength) : null;
        try
        {
            Span<byte> fill = (bytes ?? own!).AsSpan(0, windowLength);
            bool zeros = Fetch(fill, windowStart, cancellationToken);
            fill.Slice(inWindow, target.Length).CopyTo(target);
            if (bytes is not null)
            {
                _cache.Add(index, zeros ? null : bytes);
                if (zeros)
                {
                    _cache.Return(bytes);
                }

                bytes = null;
            }
        }
        finally
        {
            _cache.Return(bytes);
            if (own is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(own);
            }
        }
    }

    /// <summary>Fills <paramref name="target"/> from <paramref name="start"/>: the written span of it in one request, zeros around it. Returns whether it was all zeros (no request made).</summary>
    private bool Fetch(Span<byte> target, long start, CancellationToken cancellationToken)
    {
        long end = start + target.Length;
        (long first, long last) = Map(cancellationToken) is { } map ? map.Written(start, end) : (start, end);
        if (first == last)
        {
            target.Clear();
            return true;
        }

        target[..(int)(first - start)].Clear();
        target[(int)(last - start)..].Clear();
        Download(target[(int)(first - start)..(int)(last - start)], first, cancellationToken);
        return false;
    }

    private void Download(Span<byte> target, long offset, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        try
        {
            var options = new BlobDownloadOptions { Range = new HttpRange(offset, target.Length), Conditions = _unchanged };
            using Stream content = _connection.Client.DownloadStreaming(options, cancellationToken).Value.Content;
            int done = 0;
            while (done < target.Length)
            {
                int read = content.Read(target[done..]);
                if (read == 0)
                {
                    throw new AzureBlobException(
                        $"{Name} ended at byte {offset + done}, before the {target.Length} bytes asked for at {offset}: the blob was shortened while it was read.");
                }

                done += read;
                Interlocked.Add(ref _bytesFetched, read);
                StorageLocations.CountFetched(read);
            }
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new AzureBlobException($"{Name} changed while it was read (its ETag is no longer {_unchanged.IfMatch}): open it again.") { Status = 412, ErrorCode = e.ErrorCode };
        }
        catch (Exception e) when (_connection.Explain(e, "read") is { } explained)
        {
            throw explained;
        }
        catch (IOException e) when (e is not AzureBlobException)
        {
            // The connection broke while the body was read (after the SDK's retries); its message names no URL.
            throw new AzureBlobException($"the connection to {Name} was lost while reading {target.Length} bytes at {offset}: {Reason(e)}.");
        }
    }

    /// <summary>The written ranges, listed at the first call (page blobs only; null when the blob is no page blob or has too many ranges).</summary>
    private PageRangeMap? Map(CancellationToken cancellationToken)
    {
        if (!_isPageBlob)
        {
            return null;
        }

        lock (_mapLock)
        {
            if (_mapListed)
            {
                return _map;
            }

            var ranges = new List<(long, long)>();
            try
            {
                var options = new GetPageRangesOptions { Conditions = new PageBlobRequestConditions { IfMatch = _unchanged.IfMatch } };
                foreach (PageRangeItem item in _connection.Client.GetAllPageRanges(options, cancellationToken))
                {
                    if (ranges.Count == PageRangeMap.MaxRanges)
                    {
                        ranges = null;
                        break;
                    }

                    ranges.Add((item.Range.Offset, item.Range.Offset + (item.Range.Length ?? 0)));
                }
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                throw new AzureBlobException($"{Name} changed while it was read (its ETag is no longer {_unchanged.IfMatch}): open it again.") { Status = 412, ErrorCode = e.ErrorCode };
            }
            catch (Exception e) when (_connection.Explain(e, "list the page ranges of") is { } explained)
            {
                throw explained;
            }

            _map = ranges is null ? null : new PageRangeMap(ranges);
            _mapListed = true;
            return _map;
        }
    }

    private static string Reason(Exception e) =>
        e.InnerException?.Message is { Length: > 0 } inner && !inner.Contains('?', StringComparison.Ordinal) ? inner.TrimEnd('.')
        : !e.Message.Contains('?', StringComparison.Ordinal) ? e.Message.TrimEnd('.') : e.GetType().Name;

    private NotSupportedException ReadOnly() =>
        new($"{Name} is a blob opened in place, which VhdKit reads but never writes: write a local child of it instead (vhd create --parent URL child.vhd).");
}
