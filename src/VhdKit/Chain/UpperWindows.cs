using System.Buffers;
using System.Runtime.CompilerServices;
using VhdKit.Images;

namespace VhdKit.Chain;

/// <summary>
/// For one chain read (<see cref="LayerWalk.Read"/>): the data the layers above the last read with a block's sector
/// bitmap. When the walk asks such a layer about the start of one of its blocks whose bitmap is not cached, the
/// bitmap and up to <see cref="Window"/> bytes of the data after it (no further than the layers above leave to it)
/// come in one call, as they lie side by side in the file; a run the layer then turns out to hold inside that window
/// is copied from it instead of read. A layer above holds short runs here and there (a child rewriting a few pages of
/// a block), so reading its bitmap and then its run cost two calls per block before.
/// </summary>
/// <remarks>
/// One window per layer (the first <see cref="Slots"/> layers; deeper ones read as before), in one buffer from the
/// shared pool sized for the layers there are (256 KiB at depth 3, 1 MiB from depth 9), taken at the first such read
/// and returned by <see cref="Dispose"/>. The bytes stay valid for the read:
/// only images open read-only read ahead of their bitmap (<see cref="IDiskLayer.StartsUncachedBlock"/>).
/// </remarks>
internal ref struct UpperWindows
{
    /// <summary>The most data read with a bitmap (a child's runs are short; the rest is read over and dropped).</summary>
    public const int Window = 128 * 1024;

    /// <summary>How many layers (leaf first) get a window.</summary>
    public const int Slots = 8;

    /// <summary>[from, to) virtual offsets of each slot's window, two entries per slot; empty when from == to.</summary>
    private readonly Span<long> _bounds;
    private byte[]? _buffer;

    /// <param name="bounds">2 longs (stack memory) per layer given a window, at most <see cref="Slots"/>; none for a walk that reads no windows.</param>
    public UpperWindows(Span<long> bounds)
    {
        bounds.Clear();
        _bounds = bounds;
    }

    /// <summary>
    /// Before <paramref name="layer"/> (at <paramref name="index"/>, leaf first) is asked about
    /// <paramref name="offset"/>: when that starts one of its blocks whose bitmap is not cached, reads the bitmap
    /// (into the layer's cache) and the data from there, at most <paramref name="want"/> bytes, into the layer's window.
    /// </summary>
    /// <exception cref="IOException">The file could not be read.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fetch(IDiskLayer layer, int index, long offset, long want)
    {
        if (2 * index >= _bounds.Length || !layer.StartsUncachedBlock(offset))
        {
            return;
        }

        _buffer ??= ArrayPool<byte>.Shared.Rent(_bounds.Length / 2 * Window);
        int read = layer.ReadBitmapWithData(offset, _buffer.AsSpan(index * Window, (int)Math.Min(want, Window)));
        _bounds[2 * index] = offset;
        _bounds[(2 * index) + 1] = offset + read;
    }

    /// <summary>Copies into <paramref name="run"/> what the window of layer <paramref name="index"/> holds from <paramref name="offset"/> on.</summary>
    /// <returns>The bytes copied (from the run's start; 0 when the window does not hold its start).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly int Copy(int index, long offset, Span<byte> run)
    {
        if (2 * index >= _bounds.Length || _buffer is null)
        {
            return 0;
        }

        long from = _bounds[2 * index];
        long to = _bounds[(2 * index) + 1];
        if (offset < from || offset >= to)
        {
            return 0;
        }

        int count = (int)Math.Min(to - offset, run.Length);
        _buffer.AsSpan((index * Window) + (int)(offset - from), count).CopyTo(run);
        return count;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
