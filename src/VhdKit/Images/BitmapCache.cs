using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>
/// The sector bitmaps of one image's allocated blocks, read once and kept: a bounded cache of clean bitmaps
/// (a fully set bitmap is shared, not copied) and every dirty bitmap until the next flush writes it.
/// Thread-safe.
/// </summary>
internal sealed class BitmapCache
{
    /// <summary>Clean bitmaps kept per image before the cache is emptied (512 bytes each for 2 MiB blocks: 4 MiB).</summary>
    private const int MaxCleanEntries = 8192;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, byte[]> _clean = [];
    private readonly Dictionary<int, byte[]> _dirty = [];
    private readonly byte[] _full;
    private readonly IPositionalStorage _storage;

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

            if (_clean.Count >= MaxCleanEntries)
            {
                _clean.Clear();
            }

            _clean[block] = bitmap;
            return bitmap;
        }
    }

    /// <summary>Starts a new block's bitmap (all clear), dirty.</summary>
    public void AddNew(int block)
    {
        lock (_lock)
        {
            _clean.Remove(block);
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
                _clean.Remove(block);
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
                    _dirty.Remove(block);
                    _clean[block] = bitmap;
                }
            }
        }
    }
}
