using VhdKit.Storage;

namespace VhdKit.Tests.Support;

/// <summary>
/// A storage whose reads (or, with <paramref name="gateWrites"/>, writes instead) inside [from, to) wait for
/// <paramref name="release"/>; counts the writes inside the range that are done and, at each flush, keeps how many were.
/// </summary>
public sealed class GatedStorage(IPositionalStorage inner, long from, long to, ManualResetEventSlim release, bool gateWrites = false) : IPositionalStorage
{
    private int _gatedWritesDone;

    public string Name => inner.Name;

    public bool CanWrite => inner.CanWrite;

    public long Length => inner.Length;

    /// <summary>For each flush, how many writes inside the range were done when it began.</summary>
    public List<int> GatedWritesDoneAtFlush { get; } = [];

    public int Read(Span<byte> buffer, long offset)
    {
        if (!gateWrites && Inside(offset, buffer.Length))
        {
            release.Wait();
        }

        return inner.Read(buffer, offset);
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Read(buffer.Span, offset));

    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        bool gated = gateWrites && Inside(offset, buffer.Length);
        if (gated)
        {
            release.Wait();
        }

        inner.Write(buffer, offset);
        if (gated)
        {
            Interlocked.Increment(ref _gatedWritesDone);
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    public void SetLength(long length) => inner.SetLength(length);

    public void Flush()
    {
        lock (GatedWritesDoneAtFlush)
        {
            GatedWritesDoneAtFlush.Add(Volatile.Read(ref _gatedWritesDone));
        }

        inner.Flush();
    }

    public void Dispose() => inner.Dispose();

    private bool Inside(long offset, int length) => offset < to && offset + length > from;
}
