using VhdKit.Storage;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Passes everything to a storage, except that flushes fail from the <see cref="FailFrom"/>-th on (1-based) the
/// way a failed fsync does once it is checked: an <see cref="IOException"/> with errno EIO (5).
/// </summary>
public sealed class FlushFailingStorage(IPositionalStorage inner, int failFrom = 1) : IPositionalStorage
{
    public const int Eio = 5;

    private int _flushes;

    public int FailFrom => failFrom;

    /// <summary>How many flushes were asked for (failed ones included).</summary>
    public int Flushes => _flushes;

    public string Name => inner.Name;

    public bool CanWrite => inner.CanWrite;

    public long Length => inner.Length;

    public int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, cancellationToken);

    public void Write(ReadOnlySpan<byte> buffer, long offset) => inner.Write(buffer, offset);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, cancellationToken);

    public void SetLength(long length) => inner.SetLength(length);

    public void Flush()
    {
        if (Interlocked.Increment(ref _flushes) >= failFrom)
        {
            throw new IOException($"fsync of {Name} failed: EIO (Input/output error)", Eio);
        }

        inner.Flush();
    }

    public void Dispose() => inner.Dispose();
}
