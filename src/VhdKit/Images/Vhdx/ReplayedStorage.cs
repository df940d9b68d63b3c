using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// A read-only view of a VHDX file as it would be after its log is replayed: the file's bytes with the log's
/// writes (4 KiB sectors and zeroed ranges, in log order) laid over them, and its length extended to the log's
/// LastFileOffset. Nothing is written to the file.
/// </summary>
internal sealed class ReplayedStorage : IPositionalStorage
{
    private readonly IPositionalStorage _file;
    private readonly IReadOnlyList<LogWrite> _writes;
    private readonly long _length;
    private readonly long _touchedFrom;
    private readonly long _touchedTo;

    public ReplayedStorage(IPositionalStorage file, IReadOnlyList<LogWrite> writes, long length)
    {
        _file = file;
        _writes = writes;
        _length = Math.Max(file.Length, length);
        _touchedFrom = long.MaxValue;
        foreach (LogWrite write in writes)
        {
            _touchedFrom = Math.Min(_touchedFrom, write.Offset);
            _touchedTo = Math.Max(_touchedTo, write.Offset + write.Length);
        }
    }

    public string Name => _file.Name;

    public bool CanWrite => false;

    public long Length => _length;

    public int Read(Span<byte> buffer, long offset)
    {
        if (offset >= _length)
        {
            return 0;
        }

        buffer = buffer[..(int)Math.Min(buffer.Length, _length - offset)];
        int done = 0;
        while (done < buffer.Length)
        {
            int read = _file.Read(buffer[done..], offset + done);
            if (read == 0)
            {
                buffer[done..].Clear(); // past the file's end, up to LastFileOffset: zeros, as after the replay's extension
                break;
            }

            done += read;
        }

        if (offset < _touchedTo && offset + buffer.Length > _touchedFrom)
        {
            foreach (LogWrite write in _writes)
            {
                long from = Math.Max(offset, write.Offset);
                long to = Math.Min(offset + buffer.Length, write.Offset + write.Length);
                if (from < to)
                {
                    Span<byte> target = buffer.Slice((int)(from - offset), (int)(to - from));
                    if (write.Data is null)
                    {
                        target.Clear();
                    }
                    else
                    {
                        write.Data.AsSpan((int)(from - write.Offset), target.Length).CopyTo(target);
                    }
                }
            }
        }

        return buffer.Length;
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span, offset));
    }

    public void Write(ReadOnlySpan<byte> buffer, long offset) => throw ReadOnly();

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) => throw ReadOnly();

    public void SetLength(long length) => throw ReadOnly();

    public void Flush()
    {
    }

    public void Dispose() => _file.Dispose();

    private NotSupportedException ReadOnly() => new($"{Name} is open read-only with its VHDX log replayed in memory; nothing is written to it.");
}

/// <summary>One write of a replayed log: <see cref="Length"/> bytes at <see cref="Offset"/>, <see cref="Data"/> or zeros when null.</summary>
internal readonly record struct LogWrite(long Offset, long Length, byte[]? Data);
