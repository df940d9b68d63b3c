using VhdKit.Storage;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// A writable view of a read-only storage that costs no copy: writes are kept as patches laid over the base in
/// order, and the length is tracked (a cut hides the base's tail, an extension reads as zeros), so a repair can run
/// on each of thousands of mutated images.
/// </summary>
public sealed class OverlayStorage(IPositionalStorage baseStorage) : IPositionalStorage
{
    private readonly List<(long Offset, byte[] Bytes)> _patches = [];
    private long _length = baseStorage.Length;
    private long _visibleBase = baseStorage.Length;

    public string Name => baseStorage.Name;

    public bool CanWrite => true;

    public long Length => _length;

    /// <summary>Whether anything was written or the length changed.</summary>
    public bool Changed { get; private set; }

    public int Read(Span<byte> buffer, long offset)
    {
        if (offset >= _length)
        {
            return 0;
        }

        int count = (int)Math.Min(buffer.Length, _length - offset);
        Span<byte> target = buffer[..count];
        target.Clear();
        if (offset < _visibleBase)
        {
            int fromBase = (int)Math.Min(count, _visibleBase - offset);
            int done = 0;
            while (done < fromBase)
            {
                int read = baseStorage.Read(target[done..fromBase], offset + done);
                if (read == 0)
                {
                    break;
                }

                done += read;
            }
        }

        foreach ((long at, byte[] bytes) in _patches)
        {
            long start = Math.Max(offset, at);
            long end = Math.Min(offset + count, Math.Min(at + bytes.Length, _length));
            if (start < end)
            {
                bytes.AsSpan((int)(start - at), (int)(end - start)).CopyTo(target[(int)(start - offset)..]);
            }
        }

        return count;
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Read(buffer.Span, offset));

    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        _patches.Add((offset, buffer.ToArray()));
        _length = Math.Max(_length, offset + buffer.Length);
        Changed = true;
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    public void SetLength(long length)
    {
        // Bytes cut off are gone: an extension after a cut reads zeros there, not the old bytes.
        _visibleBase = Math.Min(_visibleBase, length);
        for (int i = 0; i < _patches.Count; i++)
        {
            (long at, byte[] bytes) = _patches[i];
            if (at + bytes.Length > length)
            {
                _patches[i] = (at, at >= length ? [] : bytes[..(int)(length - at)]);
            }
        }

        _length = length;
        Changed = true;
    }

    public void Flush()
    {
    }

    public void Dispose()
    {
    }
}
