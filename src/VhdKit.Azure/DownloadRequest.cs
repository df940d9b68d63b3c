using VhdKit.Operations;

namespace VhdKit.Azure;

/// <summary>What <see cref="DownloadOperation"/> downloads, and into what.</summary>
/// <param name="BlobUrl">A fixed VHD page blob (see <see cref="BlobConnection.Open(string)"/> for credentials).</param>
/// <param name="Target">The new local file; never overwritten.</param>
public sealed record DownloadRequest(string BlobUrl, string Target)
{
    /// <summary>The local file's format: a dynamic VHD (default, sparse), a fixed VHD, a dynamic or fixed VHDX (default block size), or raw.</summary>
    public ConvertFormat Format { get; init; } = ConvertFormat.Dynamic;

    /// <summary>How many ranged reads (of at most 4 MiB each) are in flight at once (1 to <see cref="DownloadOperation.MaximumThreads"/>).</summary>
    public int Threads { get; init; } = 8;
}
