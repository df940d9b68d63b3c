using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// One layer of a chain, whatever its format (VHD or VHDX): the question every layer answers (for this range: held
/// here and where, zeros, or the parent's, and for how long a run) and the reads the chain walk makes of it. The
/// chain (<see cref="Chain.LayerWalk"/>, <see cref="Chain.VirtualDisk"/>) knows layers only through this.
/// </summary>
internal interface IDiskLayer
{
    /// <summary>The file's path (or the storage's name).</summary>
    string Path { get; }

    /// <summary>The virtual disk's size in bytes.</summary>
    long Capacity { get; }

    /// <summary>The block size in bytes (0 when the layer has no blocks: a fixed VHD).</summary>
    int BlockSize { get; }

    /// <summary>Where held runs are read from (file offsets from <see cref="Locate"/>).</summary>
    IPositionalStorage Storage { get; }

    /// <summary>What the layer says about the bytes at <paramref name="virtualOffset"/>, and for how long a run (at most <paramref name="maxLength"/>).</summary>
    /// <exception cref="IOException">The layer's metadata (a sector bitmap) could not be read.</exception>
    LayerRun Locate(long virtualOffset, long maxLength, out long fileOffset, out long length);

    /// <summary>Whether a read from <paramref name="virtualOffset"/> may bring the block's bitmap with its data (<see cref="ReadBitmapWithData"/>).</summary>
    bool StartsUncachedBlock(long virtualOffset);

    /// <summary>Reads a block's bitmap and data in one call; see <see cref="VhdImage"/>. Returns the data bytes filled, or 0.</summary>
    /// <exception cref="IOException">The file could not be read.</exception>
    int ReadBitmapWithData(long virtualOffset, Span<byte> data);

    /// <summary>Reads a run with the next block's bitmap and data; see <see cref="VhdImage"/>. Returns the next block's bytes filled, or -1.</summary>
    /// <exception cref="IOException">The file could not be read.</exception>
    int ReadRunWithNextBlock(long runEnd, Span<byte> run, long runFileOffset, Span<byte> next);
}
