using VhdKit.Storage;

namespace VhdKit.Tests.Reliability;

/// <summary>Passes everything to a storage and records the order of writes, length changes and flushes.</summary>
public sealed class RecordingStorage(IPositionalStorage inner) : IPositionalStorage
{
    public List<char> Operations { get; } = []; // 'W' write, 'L' length, 'F' flush

    public string Name => inner.Name;

    public bool CanWrite => inner.CanWrite;

    public long Length => inner.Length;

    public int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, cancellationToken);

    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        Operations.Add('W');
        inner.Write(buffer, offset);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    public void SetLength(long length)
    {
        Operations.Add('L');
        inner.SetLength(length);
    }

    public void Flush()
    {
        Operations.Add('F');
        inner.Flush();
    }

    public void Dispose() => inner.Dispose();
}
