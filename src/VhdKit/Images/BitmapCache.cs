using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// The sector bitmaps of one image's allocated blocks, read once and kept: a cache of clean bitmaps bounded in
/// bytes (a fully set bitmap is shared, not copied, and costs nothing), and every dirty bitmap until the next
/// flush writes it. Thread-safe: lookups (every read of a cached block) take no lock; filling the cache after a
/// miss and the writer's changes take one.
/// </summary>
/// <remarks>
/// <para>The bound is in bytes because a bitmap's size follows the block size: 512 bytes for 2 MiB blocks, 64 KiB
/// for 256 MiB blocks (a count bound of 8192 let a 2040 GiB image with such blocks cache 512 MiB). When a bitmap
/// read would pass the bound, the clean bitmaps are dropped (they are read again when needed). Dirty bitmaps
/// cannot be dropped before a flush has written them: they are kept and counted in <see cref="Bytes"/>, and
/// <see cref="VhdImage"/> flushes once they pass <see cref="MaxDirtyBytes"/>.</para>
/// <para>Lock-free lookups see a block's bitmap as the dirty one if any, else the clean one. Every change keeps a
/// block findable in one of them: a block becoming dirty is added to the dirty ones before it leaves the clean
/// ones, and a flushed one joins the clean ones before it leaves the dirty ones. A bitmap read from the file after
/// a miss is kept only when no change happened since the miss (<see cref="Version"/>): a read that began before a
/// flush wrote the block's new bitmap would otherwise keep the old one for good.</para>
/// </remarks>
internal sealed class BitmapCache
{
    /// <summary>The most bytes of clean bitmaps kept per image (65,536 bitmaps of 2 MiB blocks, 512 of 256 MiB blocks).</summary>
    public const long MaxCleanBytes = 32L * 1024 * 1024;

    /// <summary>Dirty bitmaps past which the image flushes (writes them) rather than keep more.</summary>
    public const long MaxDirtyBytes = 32L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly BlockSlots<byte[]> _clean = new();
    private readonly ConcurrentDictionary<int, byte[]> _dirty = new();
    private readonly byte[] _full;
    private readonly IPositionalStorage _storage;
    private readonly long _maxCleanBytes;
    private long _cleanBytes;
    private int _dirtyCount;
    private long _version;

    public BitmapCache(IPositionalStorage storage, int bitmapSize)
        : this(storage, bitmapSize, MaxCleanBytes)
    {
    }

    /// <summary>A cache with another bound on clean bitmaps (tests of eviction use a small one).</summary>
    internal BitmapCache(IPositionalStorage storage, int bitmapSize, long maxCleanBytes)
    {
        _storage = storage;
        _full = new byte[bitmapSize];
        Array.Fill(_full, (byte)0xFF);
        _maxCleanBytes = maxCleanBytes;
    }

    public int BitmapSize => _full.Length;

    public bool HasDirty => Volatile.Read(ref _dirtyCount) > 0;

    /// <summary>Bytes of dirty bitmaps held (each is a private copy).</summary>
    public long DirtyBytes => (long)Volatile.Read(ref _dirtyCount) * _full.Length;

    /// <summary>Bytes of bitmaps held, clean and dirty, with the clean ones' pages of slots (the shared full bitmap costs only its slot).</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _cleanBytes + DirtyBytes;
            }
        }
    }

    /// <summary>
    /// Counts the changes to dirty bitmaps. Take it before reading a bitmap from the file and give it to
    /// <see cref="Add"/>, which keeps the bitmap only if nothing changed meanwhile.
    /// </summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The bitmap of <paramref name="block"/>, read from <paramref name="fileOffset"/> on a miss. Callers must not modify it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte[] Get(int block, long fileOffset)
    {
        if (TryGet(block, out byte[]? held))
        {
            return held;
        }

        long version = Version;
        Span<byte> bitmap = Scratch(stackalloc byte[MaxStackBitmap], out byte[]? rented);
        try
        {
            _storage.ReadExactly(bitmap, fileOffset, "Sector bitmap");
            return Add(block, bitmap, version);
        }
        finally
        {
            ReturnScratch(rented);
        }
    }

    /// <summary>
    /// The largest bitmap read on the stack before it is kept (4 KiB: blocks of up to 16 MiB of 512-byte sectors); a
    /// larger one is read into a pooled buffer. Either way a fully set bitmap (every block a dynamic disk wrote whole)
    /// is then held as the shared full one, and only the others are copied into an array of their own.
    /// </summary>
    public const int MaxStackBitmap = 4096;

    /// <summary>Where one bitmap is read before <see cref="Add"/>: <paramref name="stack"/> when it fits, else a pooled buffer (<paramref name="rented"/>, for <see cref="ReturnScratch"/>).</summary>
    public Span<byte> Scratch(Span<byte> stack, out byte[]? rented)
    {
        rented = null;
        if (_full.Length <= stack.Length)
        {
            return stack[.._full.Length];
        }

        rented = ArrayPool<byte>.Shared.Rent(_full.Length);
        return rented.AsSpan(0, _full.Length);
    }

    /// <summary>Returns the buffer <see cref="Scratch"/> rented, if any.</summary>
    public static void ReturnScratch(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Whether the bitmap of <paramref name="block"/> is held (a <see cref="Get"/> would not read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Contains(int block) => TryGet(block, out _);

    /// <summary>
    /// Keeps a copy of <paramref name="bitmap"/>, read from the file after <paramref name="readSince"/> was taken from
    /// <see cref="Version"/>, as the clean bitmap of <paramref name="block"/> (a fully set one as the shared full
    /// bitmap, not copied), unless another thread or a write got there first, or a write changed some bitmap since
    /// (then a copy is returned, not kept).
    /// </summary>
    /// <returns>The bitmap now held for the block (or the copy, not kept), which callers must not modify.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte[] Add(int block, ReadOnlySpan<byte> bitmap, long readSince)
    {
        byte[] kept = bitmap.IndexOfAnyExcept((byte)0xFF) < 0 ? _full : bitmap.ToArray();
        lock (_lock)
        {
            if (TryGet(block, out byte[]? held))
            {
                return held;
            }

            if (Interlocked.Read(ref _version) == readSince)
            {
                PutClean(block, kept);
            }

            return kept;
        }
    }

    /// <summary>Starts a new block's bitmap (all clear), dirty.</summary>
    public void AddNew(int block)
    {
        lock (_lock)
        {
            PutDirty(block, new byte[_full.Length]);
            RemoveClean(block);
        }
    }

    /// <summary>Sets the bits of <paramref name="count"/> sectors from <paramref name="sector"/>; the bitmap becomes dirty if a bit changed.</summary>
    public void SetSectors(int block, int sector, int count, long fileOffset)
    {
        byte[] current = Get(block, fileOffset);
        if (SectorBitmap.CountRun(current, sector, count) == count && SectorBitmap.IsSet(current, sector))
        {
            return;
        }

        lock (_lock)
        {
            // Copy-on-write, published at once: readers hold the old array (or the shared full one) and see the
            // old bitmap or the new one, never a half-set one.
            byte[] updated = (byte[])(_dirty.TryGetValue(block, out byte[]? dirty) ? dirty : current).Clone();
            SectorBitmap.SetRange(updated, sector, count, true);
            PutDirty(block, updated);
            RemoveClean(block);
        }
    }

    /// <summary>
    /// Holds <paramref name="updated"/>, a changed copy of the bitmap of <paramref name="block"/> (owned by the cache
    /// from now on), as its dirty bitmap: for a format whose bits the cache does not set itself (VHDX: least
    /// significant bit first). Published at once, as <see cref="SetSectors"/> publishes its copy.
    /// </summary>
    public void Replace(int block, byte[] updated)
    {
        lock (_lock)
        {
            PutDirty(block, updated);
            RemoveClean(block);
        }
    }

    /// <summary>The dirty bitmaps, to be written; <see cref="MarkClean"/> once they are durable.</summary>
    public List<KeyValuePair<int, byte[]>> DirtySnapshot()
    {
        lock (_lock)
        {
            return [.. _dirty];
        }
    }

    public void MarkClean(IEnumerable<KeyValuePair<int, byte[]>> written)
    {
        lock (_lock)
        {
            foreach ((int block, byte[] bitmap) in written)
            {
                if (_dirty.TryGetValue(block, out byte[]? current) && ReferenceEquals(current, bitmap))
                {
                    // Written: it joins the clean ones (within their bound), then leaves the dirty ones.
                    PutClean(block, bitmap);
                    _dirty.TryRemove(block, out _);
                    Interlocked.Decrement(ref _dirtyCount);
                    Interlocked.Increment(ref _version);
                }
            }
        }
    }

    /// <summary>
    /// The dirty bitmap of <paramref name="block"/> if any, else the clean one. With no dirty bitmap (every image open
    /// read-only, every one after a flush) the dirty ones are not searched: a block becoming dirty is counted before
    /// it leaves the clean ones, so a lookup that saw no count still finds its clean bitmap (the one before the write).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryGet(int block, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? bitmap) =>
        (Volatile.Read(ref _dirtyCount) > 0 && _dirty.TryGetValue(block, out bitmap)) || (bitmap = _clean.Get(block)) is not null;

    /// <summary>
    /// What a cached bitmap costs: its bytes, unless it is the shared full one (its slot is counted with its page of
    /// slots, <see cref="BlockSlots{T}.PageBytes"/>, so shared full bitmaps are bounded too).
    /// </summary>
    private long CostOf(byte[] bitmap) => ReferenceEquals(bitmap, _full) ? 0 : bitmap.Length;

    /// <summary>Holds <paramref name="bitmap"/> as the dirty bitmap of <paramref name="block"/> (under the lock).</summary>
    private void PutDirty(int block, byte[] bitmap)
    {
        if (_dirty.TryAdd(block, bitmap))
        {
            Interlocked.Increment(ref _dirtyCount);
        }
        else
        {
            _dirty[block] = bitmap;
        }

        Interlocked.Increment(ref _version);
    }

    /// <summary>Holds <paramref name="bitmap"/> as the clean bitmap of <paramref name="block"/>, emptying the clean ones first when it would pass their bound (under the lock).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PutClean(int block, byte[] bitmap)
    {
        RemoveClean(block);
        long cost = CostOf(bitmap);
        if (_cleanBytes + cost + BlockSlots<byte[]>.PageBytes > _maxCleanBytes)
        {
            _clean.Clear();
            _cleanBytes = 0;
        }

        _cleanBytes += cost + _clean.Set(block, bitmap);
    }

    /// <summary>Drops the clean bitmap of <paramref name="block"/> (under the lock).</summary>
    private void RemoveClean(int block)
    {
        if (_clean.Remove(block) is { } removed)
        {
            _cleanBytes -= CostOf(removed);
        }
    }
}
