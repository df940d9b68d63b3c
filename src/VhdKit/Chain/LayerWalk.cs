using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Chain;

/// <summary>
/// The walk every reader of a chain shares (qemu's block layer): ask each layer, leaf first, whether it holds
/// the start of a range; a layer that does not bounds the run by where its own answer changes, and the next is
/// asked about that shorter run. Allocation-free, for per-read use.
/// </summary>
/// <remarks>
/// The methods every read runs (here, <see cref="VirtualDisk.Read"/>, the layers' <c>Locate</c>, the bitmap cache,
/// <see cref="Storage.StorageExtensions.ReadExactly"/>) are marked <see cref="MethodImplOptions.AggressiveOptimization"/>:
/// compiled optimized at their first call. With tiered compilation they ran unoptimized (tier 0) for a process's
/// first ~100 ms of reads and were then recompiled on a background thread, which cost a burst of 4,096 random 4 KiB
/// reads through a depth-3 chain about 40% of its time (BENCHMARKS.md, "Round five"). The NativeAOT <c>vhd</c> is
/// compiled ahead of time and unaffected.
/// </remarks>
internal static partial class LayerWalk
{
    /// <summary>
    /// The index of the first layer holding <paramref name="offset"/>, or -1 when none does or a layer says the run
    /// reads as zeros (a VHDX ZERO block hides its parents).
    /// </summary>
    /// <param name="layers">Leaf first.</param>
    /// <param name="offset">Virtual offset.</param>
    /// <param name="want">The most bytes wanted (greater than 0).</param>
    /// <param name="fileOffset">Where the run lies in that layer's file.</param>
    /// <param name="length">The run's length: the answer holds for this many bytes.</param>
    public static int Locate(ReadOnlySpan<IDiskLayer> layers, long offset, long want, out long fileOffset, out long length)
    {
        var none = default(UpperWindows);
        return Math.Max(Walk(layers, offset, want, ref none, out fileOffset, out length), Zeros);
    }

    /// <summary><see cref="Locate"/>'s answer for zeros.</summary>
    private const int Zeros = -1;

    /// <summary><see cref="Walk"/>'s answer when every layer left the run to the next: what lies below them decides.</summary>
    private const int FellThrough = -2;

    /// <summary>
    /// As <see cref="Locate"/>, but tells zeros a layer decided (<see cref="Zeros"/>) from every layer passing the run
    /// on (<see cref="FellThrough"/>); a layer asked about the start of a block whose bitmap is not cached first reads
    /// it with the data after it into <paramref name="windows"/> (when they have room for it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Walk(ReadOnlySpan<IDiskLayer> layers, long offset, long want, ref UpperWindows windows, out long fileOffset, out long length)
    {
        for (int i = 0; i < layers.Length; i++)
        {
            windows.Fetch(layers[i], i, offset, want);
            switch (layers[i].Locate(offset, want, out fileOffset, out length))
            {
                case LayerRun.Held:
                    return i;
                case LayerRun.Zero:
                    fileOffset = 0;
                    return Zeros;
            }

            want = length;
        }

        fileOffset = 0;
        length = want;
        return FellThrough;
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> from <paramref name="offset"/>: one read per run, zeros where no layer holds
    /// the run. Where only the last layer can hold a run and the run starts one of its blocks whose bitmap is not
    /// cached yet, the bitmap and the data after it come in one read (they are adjacent in the file), across the short
    /// runs layers above hold in that block (<see cref="FetchSpan"/>); and a run of the last layer that ends its block
    /// brings the next block's bitmap and data with it when that block follows in the file. The runs of that data the
    /// last layer then turns out to hold are not read again. A layer above the last reads a block's bitmap with the
    /// data after it in the same way, into a window of its own (<see cref="UpperWindows"/>).
    /// </summary>
    /// <exception cref="IOException">A file could not be read.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Read(ReadOnlySpan<IDiskLayer> layers, Span<byte> buffer, long offset)
    {
        if (layers.IsEmpty)
        {
            // No layer (the parents of a disk that has none): everything reads as zeros.
            buffer.Clear();
            return;
        }

        int last = layers.Length - 1;
        ReadOnlySpan<IDiskLayer> above = layers[..last];
        Span<long> bounds = stackalloc long[2 * UpperWindows.Slots];
        var windows = new UpperWindows(bounds[..(2 * Math.Min(above.Length, UpperWindows.Slots))]);
        try
        {
            ReadRuns(layers, above, ref windows, buffer, offset);
        }
        finally
        {
            windows.Dispose();
        }
    }

    /// <summary><see cref="Read"/>'s loop, one run at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadRuns(ReadOnlySpan<IDiskLayer> layers, ReadOnlySpan<IDiskLayer> above, ref UpperWindows windows, Span<byte> buffer, long offset)
    {
        int last = layers.Length - 1;

        // [fetchedFrom, fetchedTo): virtual offsets whose bytes of the last layer are already in place in the buffer.
        // No other read writes there but a run's own, and runs move only forward, so they stay valid.
        long fetchedFrom = 0;
        long fetchedTo = 0;
        while (!buffer.IsEmpty)
        {
            int layer = Walk(above, offset, buffer.Length, ref windows, out long fileOffset, out long length);
            if (layer == FellThrough)
            {
                if (offset >= fetchedTo && layers[last].StartsUncachedBlock(offset))
                {
                    fetchedFrom = offset;
                    int span = FetchSpan(above, offset, buffer.Length, (int)length, layers[last].BlockSize);
                    fetchedTo = offset + layers[last].ReadBitmapWithData(offset, buffer[..span]);
                }

                layer = layers[last].Locate(offset, length, out fileOffset, out length) == LayerRun.Held ? last : Zeros;
            }

            Span<byte> run = buffer[..(int)length];
            if (layer < 0)
            {
                run.Clear();
            }
            else
            {
                int fetched = layer != last ? windows.Copy(layer, offset, run)
                    : offset >= fetchedFrom ? (int)Math.Clamp(fetchedTo - offset, 0, length) : 0;
                if (fetched < run.Length)
                {
                    // A run of the last layer that ends its block: the next block's bitmap and data may come with it.
                    long end = offset + length;
                    int blockSize = layers[last].BlockSize;
                    bool endsBlock = layer == last && blockSize > 0 && end % blockSize == 0;
                    int next = endsBlock ? LastLayerShare(above, end, buffer.Length - (int)length, ref windows) : 0;
                    int ahead = next > 0 ? layers[last].ReadRunWithNextBlock(end, run[fetched..], fileOffset + fetched, buffer.Slice((int)length, next)) : -1;
                    if (ahead < 0)
                    {
                        layers[layer].Storage.ReadExactly(run[fetched..], fileOffset + fetched, "Block data");
                    }
                    else
                    {
                        fetchedFrom = end;
                        fetchedTo = end + ahead;
                    }
                }
            }

            buffer = buffer[(int)length..];
            offset += length;
        }
    }

    /// <summary>
    /// How much of the last layer's block to read with its bitmap, from the block's start at <paramref name="offset"/>:
    /// its own first run (<paramref name="ownRun"/>), or on to the block's end (or the buffer's) when the layers above
    /// hold no more than 1/<see cref="OverReadRatio"/> of that range. Their runs are then read over the last layer's
    /// bytes (later, each into its place), and the last layer's runs between them need no read of their own.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FetchSpan(ReadOnlySpan<IDiskLayer> above, long offset, int available, int ownRun, int blockSize)
    {
        long end = offset + Math.Min(available, blockSize);
        long held = 0;
        var none = default(UpperWindows);
        for (long at = offset + ownRun; at < end;)
        {
            if (Walk(above, at, end - at, ref none, out _, out long length) != FellThrough)
            {
                held += length;
                if (held * OverReadRatio > end - offset)
                {
                    return ownRun;
                }
            }

            at += length;
        }

        return (int)(end - offset);
    }

    /// <summary>Over-reading the last layer under the runs above pays when they are at most this fraction (1/8) of the range.</summary>
    private const int OverReadRatio = 8;

    /// <summary>
    /// How many bytes from <paramref name="offset"/> (at most <paramref name="want"/>) no layer above the last holds: the
    /// last layer's to answer. The walk is the one the next run makes: it fills the layers' windows as that would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LastLayerShare(ReadOnlySpan<IDiskLayer> above, long offset, int want, ref UpperWindows windows) =>
        want > 0 && Walk(above, offset, want, ref windows, out _, out long length) == FellThrough ? (int)length : 0;

    /// <summary>
    /// The one extent walk (every allocation map and sparse copy uses it): where the content of
    /// [0, <paramref name="capacity"/>) comes from, run by run, adjacent runs coalesced.
    /// </summary>
    /// <param name="layers">Leaf first.</param>
    /// <param name="capacity">The bytes to walk.</param>
    /// <param name="allocatedOnly">
    /// <see langword="false"/>: extents covering everything, the zero runs (layer -1) included, coalesced when the
    /// same layer holds adjacent runs. <see langword="true"/>: only the runs some layer holds, coalesced when adjacent
    /// whichever layer holds them (an extent's layer is then its first run's).
    /// </param>
    public static ImmutableArray<DiskExtent> Extents(ReadOnlySpan<IDiskLayer> layers, long capacity, bool allocatedOnly)
    {
        var extents = ImmutableArray.CreateBuilder<DiskExtent>();
        for (long offset = 0; offset < capacity;)
        {
            int layer = Locate(layers, offset, capacity - offset, out _, out long length);
            if (!allocatedOnly || layer >= 0)
            {
                bool joins = extents.Count > 0 && extents[^1].Offset + extents[^1].Length == offset && (allocatedOnly || extents[^1].Layer == layer);
                if (joins)
                {
                    extents[^1] = extents[^1] with { Length = extents[^1].Length + length };
                }
                else
                {
                    extents.Add(new DiskExtent(offset, length, layer));
                }
            }

            offset += length;
        }

        return extents.ToImmutable();
    }
}
