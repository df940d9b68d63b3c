namespace VhdKit.Azure;

/// <summary>
/// The most recently used aligned windows of a remote blob, at most <see cref="Capacity"/> of them: a fixed memory cap
/// (<c>Capacity * WindowSize</c> bytes), whatever the blob's size. A window known to read as zeros holds no buffer.
/// Least recently used windows are evicted first; their buffers are reused. Safe for several threads: lookups and copies
/// take a short lock, the download that fills a window runs outside it.
/// </summary>
internal sealed class ReadWindowCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, LinkedListNode<Entry>> _byIndex = [];
    private readonly LinkedList<Entry> _recent = new();
    private readonly Stack<byte[]> _spare = new();
    private int _buffers;

    public ReadWindowCache(int windowSize, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 512);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        WindowSize = windowSize;
        Capacity = capacity;
    }

    public int WindowSize { get; }

    public int Capacity { get; }

    /// <summary>The window buffers allocated so far: never more than <see cref="Capacity"/> (what the memory test asserts).</summary>
    public int BuffersAllocated
    {
        get
        {
            lock (_lock)
            {
                return _buffers;
            }
        }
    }

    /// <summary>Copies the cached bytes of window <paramref name="index"/> from <paramref name="inWindow"/> into <paramref name="target"/>, or returns false when the window is not held.</summary>
    public bool TryCopy(long index, int inWindow, Span<byte> target)
    {
        lock (_lock)
        {
            if (!_byIndex.TryGetValue(index, out LinkedListNode<Entry>? node))
            {
                return false;
            }

            _recent.Remove(node);
            _recent.AddFirst(node);
            if (node.Value.Bytes is { } bytes)
            {
                bytes.AsSpan(inWindow, target.Length).CopyTo(target);
            }
            else
            {
                target.Clear();
            }

            return true;
        }
    }

    /// <summary>Whether window <paramref name="index"/> is held.</summary>
    public bool Contains(long index)
    {
        lock (_lock)
        {
            return _byIndex.ContainsKey(index);
        }
    }

    /// <summary>
    /// A buffer to fill a window into: a spare one, a new one while under the cap, else the least recently used window's
    /// (evicted); <see langword="null"/> when every buffer is out being filled by other threads (the caller then reads
    /// without caching).
    /// </summary>
    public byte[]? Rent()
    {
        lock (_lock)
        {
            if (_spare.TryPop(out byte[]? spare))
            {
                return spare;
            }

            if (_buffers < Capacity)
            {
                _buffers++;
                return new byte[WindowSize];
            }

            for (LinkedListNode<Entry>? node = _recent.Last; node is not null; node = node.Previous)
            {
                if (node.Value.Bytes is { } bytes)
                {
                    Evict(node);
                    return bytes;
                }
            }

            return null;
        }
    }

    /// <summary>Holds window <paramref name="index"/>: <paramref name="bytes"/> (a rented buffer, now the cache's), or zeros when <see langword="null"/>.</summary>
    public void Add(long index, byte[]? bytes)
    {
        lock (_lock)
        {
            if (_byIndex.ContainsKey(index))
            {
                Return(bytes);
                return;
            }

            if (_byIndex.Count >= Capacity * 16 && _recent.Last is { } oldest)
            {
                // Zero windows cost no buffer but an entry each: their number is bounded too.
                Return(Evict(oldest));
            }

            _byIndex[index] = _recent.AddFirst(new Entry(index, bytes));
        }
    }

    /// <summary>Gives back a rented buffer that was not added (its download failed).</summary>
    public void Return(byte[]? bytes)
    {
        lock (_lock)
        {
            if (bytes is not null)
            {
                _spare.Push(bytes);
            }
        }
    }

    private byte[]? Evict(LinkedListNode<Entry> node)
    {
        _recent.Remove(node);
        _byIndex.Remove(node.Value.Index);
        return node.Value.Bytes;
    }

    private readonly record struct Entry(long Index, byte[]? Bytes);
}
