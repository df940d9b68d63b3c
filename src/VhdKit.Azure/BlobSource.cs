using System.Collections.Immutable;
using Azure;
using Azure.Storage.Blobs.Models;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Azure;

/// <summary>
/// A fixed VHD page blob read as a conversion's source: its disk is the blob's bytes before the footer, the runs worth
/// reading are the blob's page ranges (Get Page Ranges: what was ever written), and each chunk is one ranged download.
/// </summary>
internal sealed class BlobSource : ConvertSource
{
    private readonly BlobConnection _connection;
    private readonly ImmutableArray<DiskExtent> _extents;
    private readonly DownloadDigests? _digests;
    private readonly ETag _etag;

    private BlobSource(BlobConnection connection, long capacity, ImmutableArray<DiskExtent> extents, ETag etag, DownloadDigests? digests)
    {
        _connection = connection;
        Capacity = capacity;
        _extents = extents;
        _etag = etag;
        _digests = digests;
    }

    public override string Path => _connection.DisplayUrl;

    public override ImageFormat Format => ImageFormat.Vhd;

    internal override bool IsLocal => false;

    public override long Capacity { get; }

    /// <summary>The blob's fixed VHD footer (its last 512 bytes).</summary>
    public VhdFooter Footer { get; private init; }

    /// <summary>The bytes of page ranges inside the disk: what a download reads.</summary>
    public long StoredBytes { get; private init; }

    /// <summary>
    /// Opens the blob: checks its last 512 bytes are a fixed VHD footer for the bytes before them, then lists its page
    /// ranges. Every later read asks for the blob as it was then (its ETag): a blob changed meanwhile fails the read
    /// with HTTP 412. With <paramref name="digests"/>, every range read is recorded there.
    /// </summary>
    /// <exception cref="VhdFormatException">The blob is no fixed VHD (no valid footer at its end, or one for another size).</exception>
    /// <exception cref="RequestFailedException">Azure refused a request (explained by the caller).</exception>
    public static BlobSource Open(BlobConnection connection, CancellationToken cancellationToken, DownloadDigests? digests = null)
    {
        BlobProperties properties = connection.Client.GetProperties(cancellationToken: cancellationToken).Value;
        long length = properties.ContentLength;
        if (length < VhdFooter.Size + VhdConstants.SectorSize)
        {
            throw new VhdFormatException($"{connection.DisplayUrl} is {length} bytes: too short for a fixed VHD (expected a disk and a 512-byte footer).");
        }

        byte[] tail = Download(connection, length - VhdFooter.Size, VhdFooter.Size, properties.ETag, cancellationToken);
        VhdFooter footer = VhdFooter.Parse(tail);
        long disk = length - VhdFooter.Size;
        if (!footer.HasValidCookie || !footer.ChecksumMatches || footer.DiskType != VhdDiskType.Fixed || footer.CurrentSize != (ulong)disk)
        {
            throw new VhdFormatException(
                $"{connection.DisplayUrl} is no fixed VHD page blob: expected a valid fixed footer for {disk} bytes in its last 512 bytes, found cookie valid {footer.HasValidCookie}, checksum valid {footer.ChecksumMatches}, type {footer.DiskType}, size {footer.CurrentSize}.");
        }

        var extents = ImmutableArray.CreateBuilder<DiskExtent>();
        long stored = 0;
        foreach (PageRangeItem range in connection.Client.GetAllPageRanges(new GetPageRangesOptions { Conditions = new PageBlobRequestConditions { IfMatch = properties.ETag } }, cancellationToken))
        {
            long start = range.Range.Offset;
            long end = Math.Min(disk, start + (range.Range.Length ?? 0));
            if (end > start)
            {
                extents.Add(new DiskExtent(start, end - start, 0));
                stored += end - start;
            }
        }

        extents.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        return new BlobSource(connection, disk, extents.ToImmutable(), properties.ETag, digests) { StoredBytes = stored, Footer = footer };
    }

    public override ImmutableArray<DiskExtent> Extents() => _extents;

    /// <summary>The blob's ETag when it was opened: every read asks for the blob as it was then.</summary>
    public ETag ETag => _etag;

    /// <summary>The blob's length, footer included.</summary>
    public long BlobLength => Capacity + VhdFooter.Size;

    public override void Read(Span<byte> chunk, long offset) => Read(chunk, offset, CancellationToken.None);

    /// <summary>Fills <paramref name="chunk"/> from <paramref name="offset"/> with one ranged read of the blob as it was when opened.</summary>
    /// <exception cref="RequestFailedException">Azure refused the read (HTTP 412: the blob changed).</exception>
    /// <exception cref="IOException">The blob ended early.</exception>
    public void Read(Span<byte> chunk, long offset, CancellationToken cancellationToken)
    {
        using Stream content = _connection.Client.DownloadStreaming(new BlobDownloadOptions
        {
            Range = new HttpRange(offset, chunk.Length),
            Conditions = new BlobRequestConditions { IfMatch = _etag },
        }, cancellationToken).Value.Content;
        int done = 0;
        while (done < chunk.Length)
        {
            int read = content.Read(chunk[done..]);
            if (read == 0)
            {
                throw new IOException($"{_connection.DisplayUrl} ended at byte {offset + done}, before the {chunk.Length} bytes asked for at {offset}.");
            }

            done += read;
        }

        _digests?.Record(offset, chunk);
    }

    public override void Dispose()
    {
    }

    private static byte[] Download(BlobConnection connection, long offset, int length, ETag etag, CancellationToken cancellationToken)
    {
        var options = new BlobDownloadOptions { Range = new HttpRange(offset, length), Conditions = new BlobRequestConditions { IfMatch = etag } };
        byte[] bytes = connection.Client.DownloadContent(options, cancellationToken).Value.Content.ToArray();
        if (bytes.Length != length)
        {
            throw new IOException($"{connection.DisplayUrl}: asked for {length} bytes at {offset}, got {bytes.Length}.");
        }

        return bytes;
    }
}
