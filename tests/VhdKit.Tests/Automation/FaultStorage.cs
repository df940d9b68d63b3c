using VhdKit.Storage;

namespace VhdKit.Tests.Automation;

/// <summary>
/// A wrapper over the temporary file a creation writes, whose writes can be held (to catch a task mid-run) or made to fail as a full disk does
/// on Linux (IOException with HResult = ENOSPC, 28).
/// </summary>
public sealed class FaultStorage(IPositionalStorage inner) : IPositionalStorage
{
    public const int Enospc = 28;

    private readonly IPositionalStorage _inner = inner;

    /// <summary>When set, every write waits for it.</summary>
    public ManualResetEventSlim? Gate { get; init; }

    /// <summary>Set when the first write begins.</summary>
    public ManualResetEventSlim Writing { get; } = new();

    /// <summary>Fail the n-th write (1-based) with ENOSPC; 0 never.</summary>
    public int FailWrite { get; init; }

    private int _writes;

    public string Name => _inner.Name;

    public bool CanWrite => true;

    public long Length => _inner.Length;

    public int Read(Span<byte> buffer, long offset) => _inner.Read(buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, cancellationToken);

    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        Writing.Set();
        Gate?.Wait();
        if (Interlocked.Increment(ref _writes) == FailWrite)
        {
            throw new IOException($"No space left on device : '{Name}'", Enospc);
        }

        _inner.Write(buffer, offset);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    public void SetLength(long length) => _inner.SetLength(length);

    public void Flush() => _inner.Flush();

    public void Dispose()
    {
        _inner.Dispose();
        Writing.Dispose();
    }
}
