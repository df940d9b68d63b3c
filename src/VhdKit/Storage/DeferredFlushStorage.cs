namespace VhdKit.Storage;

/// <summary>
/// A storage whose flushes do nothing: for a new file written under a temporary name, which no one sees until it
/// is moved into place. What a crash leaves of it does not matter, so the ordering flushes of the formats written
/// into it (a dynamic image's block allocation) wait for the one flush of the underlying storage its owner makes
/// before the move (or for none, with <see cref="Operations.SyncMode.None"/>).
/// </summary>
internal sealed class DeferredFlushStorage(IPositionalStorage inner) : IPositionalStorage
{
    public string Name => inner.Name;

    public bool CanWrite => inner.CanWrite;

    public long Length => inner.Length;

    public int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, cancellationToken);

    public void Write(ReadOnlySpan<byte> buffer, long offset) => inner.Write(buffer, offset);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, cancellationToken);

    public void SetLength(long length) => inner.SetLength(length);

    /// <summary>Does nothing: the owner flushes the underlying storage once, before the file is moved into place.</summary>
    public void Flush()
    {
    }

    /// <summary>Leaves the underlying storage open: its owner disposes it.</summary>
    public void Dispose()
    {
    }
}
