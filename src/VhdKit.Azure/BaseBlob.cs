using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Azure;

/// <summary>
/// The blob a differencing disk is uploaded onto as a patch (<c>--base</c>, Add-AzVhd's -BaseImageUriToPatch): a fixed
/// VHD page blob that must hold the child's parent. <see cref="Check"/> proves it before anything is written: the
/// sizes are equal, the blob's footer carries the unique id the child names for its parent, and sampled ranges (the
/// disk's first and last 64 KiB and the start of up to six of the parent's data runs) read the same in the blob and
/// in the local parent.
/// </summary>
internal sealed class BaseBlob
{
    /// <summary>The bytes compared at each sampled place.</summary>
    public const int SampleLength = 64 * 1024;

    /// <summary>How many of the parent's data runs are sampled (besides the disk's first and last bytes).</summary>
    public const int SampledRuns = 6;

    private BaseBlob(string displayUrl, Uri copySource, long blobLength, Guid uniqueId)
    {
        DisplayUrl = displayUrl;
        CopySource = copySource;
        BlobLength = blobLength;
        UniqueId = uniqueId;
    }

    /// <summary>The base blob's URL without secrets.</summary>
    public string DisplayUrl { get; }

    /// <summary>The URL the target copies from (with the SAS token, when the base was given one).</summary>
    public Uri CopySource { get; }

    /// <summary>The base page blob's length (its disk and its footer).</summary>
    public long BlobLength { get; }

    /// <summary>The base's unique id (its footer's, the child's parent id).</summary>
    public Guid UniqueId { get; }

    /// <summary>What the base adds to the upload's identity: a resume onto another base starts over.</summary>
    public string Identity => string.Create(CultureInfo.InvariantCulture, $"base;{UniqueId};{BlobLength};{DisplayUrl}");

    /// <summary>Checks that the blob at <paramref name="baseUrl"/> holds the parent of <paramref name="child"/>; reads only.</summary>
    /// <exception cref="ArgumentException">The source is not a differencing VHD, or the URL or a credential is invalid.</exception>
    /// <exception cref="VhdFormatException">The base blob is no fixed VHD page blob.</exception>
    /// <exception cref="InvalidOperationException">The base blob is not the child's parent (size, id, or content).</exception>
    /// <exception cref="AzureBlobException">Azure refused a request or could not be reached.</exception>
    public static BaseBlob Check(UploadSource child, string childPath, string baseUrl, CancellationToken cancellationToken)
    {
        if (child.Disk is not { Layers.Length: >= 2 } disk || disk.Layers[0].Header is not { } header)
        {
            throw new ArgumentException($"--base needs a differencing VHD (its parent is what the base blob holds); {childPath} is {(child.Disk is null ? "a raw file" : "a VHD without a parent")}.");
        }

        VhdImage parent = disk.Layers[1];
        BlobConnection connection = BlobConnection.Open(baseUrl);
        string refused = $"the base blob {connection.DisplayUrl} is not the parent of {childPath}";
        try
        {
            using BlobSource blob = BlobSource.Open(connection, cancellationToken);
            if (blob.Capacity != parent.Capacity)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{refused}: expected a disk of {parent.Capacity} bytes (the size of {parent.Path}), the blob's is {blob.Capacity} bytes. Nothing was written."));
            }

            if (blob.Footer.UniqueId != header.ParentUniqueId)
            {
                throw new InvalidOperationException(
                    $"{refused}: expected the unique id {header.ParentUniqueId} (the child's parent id), the blob's footer has {blob.Footer.UniqueId}. Nothing was written.");
            }

            using VirtualDisk local = VirtualDisk.Open(disk.LayerPath(1), new VirtualDiskOptions { ReadOnly = true });
            if (FirstDifference(blob, local, cancellationToken) is long offset)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"{refused}: the ids and sizes match, but the {SampleLength} bytes at offset {offset} differ from {parent.Path}'s (a sampled range). Nothing was written."));
            }

            return new BaseBlob(connection.DisplayUrl, connection.Client.Uri, blob.Capacity + VhdFooter.Size, blob.Footer.UniqueId);
        }
        catch (Exception e) when (connection.Explain(e, "read the base") is { } explained)
        {
            throw explained;
        }
    }

    /// <summary>The first sampled offset where the blob and the local parent differ, or null.</summary>
    private static long? FirstDifference(BlobSource blob, VirtualDisk local, CancellationToken cancellationToken)
    {
        var offsets = new SortedSet<long> { 0, Math.Max(0, local.Capacity - SampleLength) / VhdConstants.SectorSize * VhdConstants.SectorSize };
        var runs = local.GetAllocatedRanges();
        for (int i = 0; i < Math.Min(SampledRuns, runs.Length); i++)
        {
            offsets.Add(runs[(int)((long)i * runs.Length / Math.Min(SampledRuns, runs.Length))].Offset / VhdConstants.SectorSize * VhdConstants.SectorSize);
        }

        byte[] remote = new byte[SampleLength];
        byte[] mine = new byte[SampleLength];
        foreach (long offset in offsets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int length = (int)Math.Min(SampleLength, local.Capacity - offset);
            blob.Read(remote.AsSpan(0, length), offset, cancellationToken);
            int done = 0;
            while (done < length)
            {
                int read = local.Read(mine.AsSpan(done, length - done), offset + done);
                if (read == 0)
                {
                    throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{local.Path} ended at byte {offset + done}, before its {local.Capacity} bytes."));
                }

                done += read;
            }

            if (!remote.AsSpan(0, length).SequenceEqual(mine.AsSpan(0, length)))
            {
                return offset;
            }
        }

        return null;
    }
}
