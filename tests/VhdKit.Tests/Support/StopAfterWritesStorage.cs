using VhdKit.Storage;

namespace VhdKit.Tests.Support;

/// <summary>
/// Wraps a storage and stops it after a number of writes (SetLength counts as one): that write and every later
/// write, length change and flush throw, as if the process died there. Counts writes when the limit is 0.
/// </summary>
public sealed class StopAfterWritesStorage(IPositionalStorage inner, int limit) : IPositionalStorage
{
    public int Writes { get; private set; }

    public string Name => inner.Name;

    public bool CanWrite => inner.CanWrite;

    public long Length => inner.Length;

    public int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, cancellationToken);

    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        Boundary();
        inner.Write(buffer, offset);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    public void SetLength(long length)
    {
        Boundary();
        inner.SetLength(length);
    }

    public void Flush()
    {
        if (limit > 0 && Writes >= limit)
        {
            throw new IOException("simulated stop");
        }

        inner.Flush();
    }

    public void Dispose() => inner.Dispose();

    private void Boundary()
    {
        Writes++;
        if (limit > 0 && Writes >= limit)
        {
            throw new IOException($"simulated stop at write {Writes}");
        }
    }
}
