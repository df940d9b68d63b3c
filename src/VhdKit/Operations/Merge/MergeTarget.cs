using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// The image a merge writes into, open for writing (alone) through its format's crash-safe write path: the same few
/// calls for a VHD and a VHDX.
/// </summary>
/// <param name="layer">The target as a layer: its capacity, and what it says about a range on its own.</param>
/// <param name="linkId">The id its children named it by when it was opened, before the merge's first write.</param>
/// <param name="write">Writes whole sectors at a virtual offset.</param>
/// <param name="flush">Makes every write so far durable, with the metadata that names it.</param>
/// <param name="fileLength">The file's length in bytes.</param>
/// <param name="image">The open image, closed with the target (its last metadata made durable).</param>
/// <param name="vhd">The target when it is a VHD: runs are copied into it file to file (<see cref="MergeCopier"/>).</param>
internal sealed class MergeTarget(IDiskLayer layer, Guid linkId, ChunkWriter write, Action flush, Func<long> fileLength, IDisposable image, VhdImage? vhd = null)
    : IDisposable
{
    /// <summary>The target when it is a VHD, which takes runs copied file to file; null for a VHDX.</summary>
    public VhdImage? Vhd => vhd;

    /// <summary>The target as a layer.</summary>
    public IDiskLayer Layer => layer;

    /// <summary>The id its children named it by before the merge.</summary>
    public Guid LinkId => linkId;

    /// <summary>The file's length in bytes.</summary>
    /// <exception cref="IOException">The length cannot be read.</exception>
    public long FileLength => fileLength();

    /// <summary>Writes whole sectors at <paramref name="virtualOffset"/>.</summary>
    /// <exception cref="IOException">The write failed.</exception>
    public void WriteSectors(ReadOnlySpan<byte> data, long virtualOffset) => write(data, virtualOffset);

    /// <summary>Makes every write so far durable.</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public void Flush() => flush();

    /// <inheritdoc />
    /// <exception cref="IOException">Closing failed (its final flush).</exception>
    public void Dispose() => image.Dispose();
}
