namespace VhdKit.Storage;

/// <summary>An in-memory storage, for tests and for building images in memory. Thread-safe.</summary>
public sealed class MemoryStorage : IPositionalStorage, IVectoredRead
{
    private readonly Lock _lock = new();
    private byte[] _data;
    private long _length;

    /// <summary>Creates an empty storage.</summary>
    public MemoryStorage(string name = "memory")
        : this([], name)
    {
    }

    /// <summary>Creates a storage holding a copy of <paramref name="content"/>.</summary>
    public MemoryStorage(ReadOnlySpan<byte> content, string name = "memory", bool canWrite = true)
    {
        _data = content.ToArray();
        _length = content.Length;
        Name = name;
        CanWrite = canWrite;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool CanWrite { get; }

    /// <inheritdoc />
    public long Length
    {
        get
        {
            lock (_lock)
            {
                return _length;
            }
        }
    }

    /// <summary>The number of completed <see cref="Flush"/> calls.</summary>
    public int FlushCount { get; private set; }

    /// <summary>A copy of the content.</summary>
    public byte[] ToArray()
    {
        lock (_lock)
        {
            return _data.AsSpan(0, (int)_length).ToArray();
        }
    }

    /// <inheritdoc />
    public int Read(Span<byte> buffer, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_lock)
        {
            if (offset >= _length)
            {
                return 0;
            }

            int count = (int)Math.Min(buffer.Length, _length - offset);
            _data.AsSpan((int)offset, count).CopyTo(buffer);
            return count;
        }
    }

    /// <inheritdoc />
    int IVectoredRead.ReadVector(Span<byte> first, Span<byte> second, Span<byte> third, Span<byte> fourth, long offset)
    {
        lock (_lock)
        {
            // One lock: the parts are read as of one moment, as one preadv would.
            return StorageExtensions.ReadEachPart(this, first, second, third, fourth, offset, 0);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span, offset));
    }

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        EnsureWritable();
        lock (_lock)
        {
            long end = offset + buffer.Length;
            Grow(end);
            buffer.CopyTo(_data.AsSpan((int)offset));
            _length = Math.Max(_length, end);
        }
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        EnsureWritable();
        lock (_lock)
        {
            Grow(length);
            if (length < _length)
            {
                _data.AsSpan((int)length, (int)(_length - length)).Clear();
            }

            _length = length;
        }
    }

    /// <inheritdoc />
    public void Flush() => FlushCount++;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Grow(long length)
    {
        if (length > Array.MaxLength)
        {
            throw new IOException($"{Name}: an in-memory storage holds at most {Array.MaxLength} bytes; {length} were asked for.");
        }

        if (length > _data.Length)
        {
            Array.Resize(ref _data, (int)Math.Max(length, Math.Min(Array.MaxLength, (long)_data.Length * 2)));
        }
    }

    private void EnsureWritable()
    {
        if (!CanWrite)
        {
            throw new NotSupportedException($"{Name} is read-only.");
        }
    }
}
