using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// The sector bitmaps of one image's allocated blocks, read once and kept: a cache of clean bitmaps bounded in
/// bytes (a fully set bitmap is shared, not copied, and costs nothing), and every dirty bitmap until the next
/// flush writes it. Thread-safe.
/// </summary>
/// <remarks>
/// The bound is in bytes because a bitmap's size follows the block size: 512 bytes for 2 MiB blocks, 64 KiB for
/// 256 MiB blocks (a count bound of 8192 let a 2040 GiB image with such blocks cache 512 MiB). When a bitmap read
/// would pass <see cref="MaxCleanBytes"/>, the clean bitmaps are dropped (they are read again when needed).
/// Dirty bitmaps cannot be dropped before a flush has written them: they are kept and counted in <see cref="Bytes"/>,
/// and <see cref="VhdImage"/> flushes once they pass <see cref="MaxDirtyBytes"/>.
/// </remarks>
internal sealed class BitmapCache
{
    /// <summary>The most bytes of clean bitmaps kept per image (65,536 bitmaps of 2 MiB blocks, 512 of 256 MiB blocks).</summary>
    public const long MaxCleanBytes = 32L * 1024 * 1024;

    /// <summary>Dirty bitmaps past which the image flushes (writes them) rather than keep more.</summary>
    public const long MaxDirtyBytes = 32L * 1024 * 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, byte[]> _clean = [];
    private readonly Dictionary<int, byte[]> _dirty = [];
    private readonly byte[] _full;
    private readonly IPositionalStorage _storage;
    private long _cleanBytes;

    /// <summary>What a cached entry costs beyond its bitmap (the dictionary's entry), so shared full bitmaps are bounded too.</summary>
    private const int EntryOverhead = 32;

    public BitmapCache(IPositionalStorage storage, int bitmapSize)
    {
        _storage = storage;
        _full = new byte[bitmapSize];
        Array.Fill(_full, (byte)0xFF);
    }

    public int BitmapSize => _full.Length;

    public bool HasDirty
    {
        get
        {
            lock (_lock)
            {
                return _dirty.Count > 0;
            }
        }
    }

    /// <summary>Bytes of dirty bitmaps held (each is a private copy).</summary>
    public long DirtyBytes
    {
        get
        {
            lock (_lock)
            {
                return (long)_dirty.Count * _full.Length;
            }
        }
    }

    /// <summary>Bytes of bitmaps held, clean and dirty (the shared full bitmap counted once per entry as its entry's cost only).</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _cleanBytes + ((long)_dirty.Count * _full.Length);
            }
        }
    }

    /// <summary>The bitmap of <paramref name="block"/>, read from <paramref name="fileOffset"/> on a miss. Callers must not modify it.</summary>
    public byte[] Get(int block, long fileOffset)
    {
        lock (_lock)
        {
            if (_dirty.TryGetValue(block, out byte[]? dirty) || _clean.TryGetValue(block, out dirty))
            {
                return dirty;
            }
        }

        var bitmap = new byte[_full.Length];
        _storage.ReadExactly(bitmap, fileOffset, "Sector bitmap");
        return Add(block, bitmap);
    }

    /// <summary>Whether the bitmap of <paramref name="block"/> is held (a <see cref="Get"/> would not read).</summary>
    public bool Contains(int block)
    {
        lock (_lock)
        {
            return _dirty.ContainsKey(block) || _clean.ContainsKey(block);
        }
    }

    /// <summary>
    /// Keeps <paramref name="bitmap"/>, just read from the file, as the clean bitmap of <paramref name="block"/>
    /// (taking ownership of the array), unless another thread or a write got there first.
    /// </summary>
    /// <returns>The bitmap now held for the block, which callers must not modify.</returns>
    public byte[] Add(int block, byte[] bitmap)
    {
        if (bitmap.AsSpan().IndexOfAnyExcept((byte)0xFF) < 0)
        {
            bitmap = _full;
        }

        lock (_lock)
        {
            if (_dirty.TryGetValue(block, out byte[]? raced))
            {
                return raced;
            }

            if (_clean.TryGetValue(block, out byte[]? held))
            {
                return held;
            }

            PutClean(block, bitmap);
            return bitmap;
        }
    }

    /// <summary>Starts a new block's bitmap (all clear), dirty.</summary>
    public void AddNew(int block)
    {
        lock (_lock)
        {
            RemoveClean(block);
            _dirty[block] = new byte[_full.Length];
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
            if (!_dirty.TryGetValue(block, out byte[]? dirty))
            {
                // Copy-on-write: readers may hold the clean array (or the shared full one).
                dirty = (byte[])current.Clone();
                RemoveClean(block);
            }

            // Bits are set on a copy and published at once, so a reader sees the old bitmap or the new one.
            byte[] updated = (byte[])dirty.Clone();
            SectorBitmap.SetRange(updated, sector, count, true);
            _dirty[block] = updated;
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
                    // Written: it joins the clean ones, within their bound.
                    _dirty.Remove(block);
                    PutClean(block, bitmap);
                }
            }
        }
    }

    /// <summary>What a cached bitmap costs: its entry, and its bytes unless it is the shared full one.</summary>
    private long CostOf(byte[] bitmap) => EntryOverhead + (ReferenceEquals(bitmap, _full) ? 0 : bitmap.Length);

    /// <summary>Holds <paramref name="bitmap"/> as the clean bitmap of <paramref name="block"/>, emptying the clean ones first when it would pass their bound.</summary>
    private void PutClean(int block, byte[] bitmap)
    {
        RemoveClean(block);
        long cost = CostOf(bitmap);
        if (_cleanBytes + cost > MaxCleanBytes)
        {
            _clean.Clear();
            _cleanBytes = 0;
        }

        _clean[block] = bitmap;
        _cleanBytes += cost;
    }

    private void RemoveClean(int block)
    {
        if (_clean.Remove(block, out byte[]? removed))
        {
            _cleanBytes -= CostOf(removed);
        }
    }
}
