using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Chain;

/// <summary>
/// The guest's view of a disk: a VHD or VHDX of any type, with its parents. Reads resolve each range to the first layer
/// that holds it, one I/O per run (never per sector); what no layer holds reads as zeros. Writes go to the leaf
/// only, sector-granular, partial sectors read-modify-written from the chain. Parents are opened read-only and
/// shared, and are never written.
/// </summary>
/// <remarks>
/// Threads: any number of threads may read at once, and in parallel: reads are positional, keep their state on
/// the caller's stack and take no lock once a block's sector bitmap is cached (filling the cache after a miss takes
/// a short one). Writes (and flushes) are serialized with one another, not with reads. A read of bytes no write is
/// changing at the time returns exactly what they hold; a read of bytes a write is changing returns, for each byte,
/// its value before or after that write.
/// </remarks>
public sealed class VirtualDisk : IDisposable, IAsyncDisposable
{
    private readonly ImmutableArray<VhdImage> _layers;
    private readonly VhdChain? _chain;
    private readonly VhdxChain? _vhdxChain;

    /// <summary>The layers the reads walk, leaf first, whatever their format.</summary>
    private readonly IDiskLayer[] _walk;
    private readonly Lock _writeLock = new();
    private bool _disposed;

    private VirtualDisk(ImmutableArray<VhdImage> layers, VhdChain? chain, ImmutableArray<string> warnings)
    {
        _layers = layers;
        _chain = chain;
        _walk = [.. layers];
        Warnings = warnings;
        Capacity = layers[0].Capacity;
    }

    private VirtualDisk(VhdxChain chain)
    {
        _layers = [];
        _vhdxChain = chain;
        _walk = [.. chain.Images];
        Warnings = chain.Warnings;
        Capacity = chain.Leaf.Capacity;
    }

    /// <summary>The size of the virtual disk in bytes.</summary>
    public long Capacity { get; }

    /// <summary>Whether writes are allowed (the leaf is opened for writing).</summary>
    public bool CanWrite => _vhdxChain is null ? !_layers.IsEmpty && _layers[0].CanWrite : _vhdxChain.Leaf.CanWrite;

    /// <summary>The unit the leaf is written in: 512 bytes for a VHD, the logical sector size for a VHDX.</summary>
    private int WriteSectorSize => _vhdxChain?.Leaf.LogicalSectorSize ?? VhdConstants.SectorSize;

    /// <summary>The format of the disk's images: VHD or VHDX.</summary>
    public ImageFormat Format => _vhdxChain is null ? ImageFormat.Vhd : ImageFormat.Vhdx;

    /// <summary>The VHD layers, leaf first (empty for a VHDX disk: see <see cref="VhdxChain"/>).</summary>
    public ImmutableArray<VhdImage> Layers => _layers;

    /// <summary>The VHDX chain this disk reads, or <see langword="null"/> for a VHD disk.</summary>
    public VhdxChain? VhdxChain => _vhdxChain;

    /// <summary>Every layer, leaf first, VHD or VHDX: what <see cref="LayerWalk"/> walks.</summary>
    internal ReadOnlySpan<IDiskLayer> WalkLayers => _walk;

    /// <summary>
    /// Whether every layer is a local file (none read through a URL): copies read ahead with two readers only then, as a
    /// remote layer's read window would fetch the same ranges twice.
    /// </summary>
    internal bool IsLocal => !_walk.Any(layer => StorageLocations.IsUrl(layer.Path));

    /// <summary>The leaf file's path.</summary>
    public string Path => _walk[0].Path;

    /// <summary>The path of layer <paramref name="index"/> (0 is the leaf), whatever its format.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is not a layer's.</exception>
    public string LayerPath(int index) => _walk[index].Path;

    /// <summary>The chain this disk was opened from (with how each parent was found), or <see langword="null"/> for an explicit list of layers.</summary>
    public VhdChain? Chain => _chain;

    /// <summary>What was tolerated while opening (a parent whose timestamp differs, a recovered footer, ...).</summary>
    public ImmutableArray<string> Warnings { get; }

    /// <summary>
    /// Opens the image at <paramref name="path"/> and its parents: the leaf read-write unless
    /// <see cref="VirtualDiskOptions.ReadOnly"/>. A VHDX (told by its content) opens its VHDX chain (the leaf
    /// writable likewise, its pending log replayed into it first).
    /// </summary>
    /// <exception cref="ImageInUseException">The leaf is open for writing elsewhere, or is the parent of a disk being read.</exception>
    /// <exception cref="VhdFormatException">An image is not a valid VHD or VHDX.</exception>
    /// <exception cref="ParentResolutionException">A parent cannot be found or has the wrong id.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static VirtualDisk Open(string path, VirtualDiskOptions? options = null)
    {
        options ??= VirtualDiskOptions.Default;
        if (ImageFormatProbe.HoldsVhdx(path))
        {
            return new VirtualDisk(VhdxChain.Open(path, options.MaxChainDepth, writableLeaf: !options.ReadOnly));
        }

        VhdChain chain = VhdChain.Open(path, new VhdOpenOptions { Writable = !options.ReadOnly, MaxChainDepth = options.MaxChainDepth });
        return new VirtualDisk([.. chain.Links.Select(l => l.Image)], chain, chain.Warnings);
    }

    /// <summary>A disk over an open VHDX chain (taking ownership of it), writable when its leaf is.</summary>
    internal static VirtualDisk Open(VhdxChain chain) => new(chain);

    /// <summary>
    /// A disk over an explicit list of layers, leaf first, each a differencing child of the next (checked by
    /// unique id); the last may be of any type. The disk takes ownership of the images.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, or a layer does not name the next as its parent.</exception>
    public static VirtualDisk Open(IReadOnlyList<VhdImage> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("A disk needs at least one layer.", nameof(layers));
        }

        var warnings = ImmutableArray.CreateBuilder<string>();
        for (int i = 0; i < layers.Count; i++)
        {
            VhdImage layer = layers[i];
            if (i > 0 && layer.CanWrite)
            {
                throw new ArgumentException($"{layer.Path} is a parent and must be opened read-only.", nameof(layers));
            }

            bool last = i == layers.Count - 1;
            if (layer.DiskType == VhdDiskType.Differencing && !last && layer.Header!.Value.ParentUniqueId != layers[i + 1].UniqueId)
            {
                throw new ArgumentException(
                    $"{layer.Path} names parent {layer.Header.Value.ParentUniqueId}, but the next layer {layers[i + 1].Path} is {layers[i + 1].UniqueId}.", nameof(layers));
            }

            if (layer.DiskType != VhdDiskType.Differencing && !last)
            {
                throw new ArgumentException($"{layer.Path} is a {layer.DiskType} disk; only the last layer may be.", nameof(layers));
            }

            if (layer.DiskType == VhdDiskType.Differencing && last)
            {
                warnings.Add($"{layer.Path} is a differencing disk given without its parent: what it does not hold reads as zeros.");
            }

            foreach (string warning in layer.Warnings)
            {
                warnings.Add($"{layer.Path}: {warning}");
            }
        }

        return new VirtualDisk([.. layers], null, warnings.ToImmutable());
    }

    /// <summary>
    /// Reads into <paramref name="buffer"/> from <paramref name="offset"/>: the whole buffer, or up to the end of
    /// the disk.
    /// </summary>
    /// <returns>The number of bytes read; 0 at or past the end.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Read(Span<byte> buffer, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset >= Capacity)
        {
            return 0;
        }

        int total = (int)Math.Min(buffer.Length, Capacity - offset);
        LayerWalk.Read(_walk, buffer[..total], offset);
        return total;
    }

    /// <summary>Reads asynchronously; see <see cref="Read"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is negative.</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken = default)
    {
        // File I/O blocks on Linux and macOS whatever the API; one implementation serves both, on the thread pool.
        return new ValueTask<int>(Task.Run(() => Read(buffer.Span, offset), cancellationToken));
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> into the leaf. Any alignment: partial sectors
    /// are completed from what the chain holds. Durable after <see cref="Flush"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the disk.</exception>
    /// <exception cref="NotSupportedException">The disk is read-only.</exception>
    /// <exception cref="IOException">The write failed (the disk is full, ...); what was flushed before is intact.</exception>
    public void Write(ReadOnlySpan<byte> data, long offset)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset < 0 || offset > Capacity - data.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                string.Create(CultureInfo.InvariantCulture, $"{data.Length} bytes at {offset} do not fit in the {Capacity}-byte disk."));
        }

        if (!CanWrite)
        {
            throw new NotSupportedException($"{Path} is open read-only.");
        }

        int sectorSize = WriteSectorSize;
        lock (_writeLock)
        {
            int head = (int)(offset % sectorSize);
            if (head != 0 || data.Length < sectorSize)
            {
                int count = Math.Min(data.Length, sectorSize - head);
                WritePartialSector(data[..count], offset);
                data = data[count..];
                offset += count;
            }

            int whole = data.Length / sectorSize * sectorSize;
            if (whole > 0)
            {
                WriteLeaf(data[..whole], offset);
                data = data[whole..];
                offset += whole;
            }

            if (!data.IsEmpty)
            {
                WritePartialSector(data, offset);
            }
        }
    }

    /// <summary>Writes asynchronously; see <see cref="Write"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range lies outside the disk.</exception>
    /// <exception cref="NotSupportedException">The disk is read-only.</exception>
    /// <exception cref="IOException">The write failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken = default) =>
        new(Task.Run(() => Write(data.Span, offset), cancellationToken));

    /// <summary>Makes every write so far durable, data and metadata (fsync).</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (CanWrite)
        {
            FlushLeaf();
        }
    }

    /// <summary>Flushes asynchronously; see <see cref="Flush"/>.</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.Run(Flush, cancellationToken);

    /// <summary>
    /// Where the content of the whole disk comes from, as consecutive extents covering it: which layer holds
    /// each run, or none (zeros). Adjacent runs from the same layer are merged.
    /// </summary>
    public ImmutableArray<DiskExtent> GetExtents() => LayerWalk.Extents(_walk, Capacity, allocatedOnly: false);

    /// <summary>The byte ranges some layer of the chain holds (for sparse copies): <see cref="GetExtents"/> without the zero runs.</summary>
    public ImmutableArray<DiskExtent> GetAllocatedRanges() => [.. GetExtents().Where(e => e.IsAllocated)];

    /// <summary>A seekable stream over the disk's content (read-write when the disk is).</summary>
    public Stream AsStream() => new VirtualDiskStream(this);

    /// <summary>Flushes (if writable) and closes every layer.</summary>
    /// <exception cref="IOException">The final flush failed; the files are closed all the same.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (CanWrite)
            {
                FlushLeaf();
            }
        }
        finally
        {
            _vhdxChain?.Dispose();
            if (_chain is not null)
            {
                _chain.Dispose();
            }
            else
            {
                foreach (VhdImage layer in _layers)
                {
                    layer.Dispose();
                }
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void WritePartialSector(ReadOnlySpan<byte> data, long offset)
    {
        int sectorSize = WriteSectorSize;
        long sectorStart = offset / sectorSize * sectorSize;
        Span<byte> sector = stackalloc byte[sectorSize];
        Read(sector, sectorStart);
        data.CopyTo(sector[(int)(offset - sectorStart)..]);
        WriteLeaf(sector, sectorStart);
    }

    private void WriteLeaf(ReadOnlySpan<byte> data, long offset)
    {
        if (_vhdxChain is { } chain)
        {
            chain.Leaf.WriteSectors(data, offset);
        }
        else
        {
            _layers[0].WriteSectors(data, offset);
        }
    }

    private void FlushLeaf()
    {
        if (_vhdxChain is { } chain)
        {
            chain.Leaf.Flush();
        }
        else
        {
            _layers[0].Flush();
        }
    }
}
