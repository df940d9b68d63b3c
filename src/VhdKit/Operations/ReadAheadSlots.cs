using System.Buffers;
using System.Runtime.ExceptionServices;

namespace VhdKit.Operations;

/// <summary>
/// The buffers between the copy engine's two readers and its writer (<see cref="CopyEngine"/>, issue 13): a fixed ring
/// of chunk buffers; chunk <c>i</c> goes through slot <c>i % Count</c>, so a reader fills a slot only after the writer
/// has emptied it and the writer takes the chunks in order. Memory is <see cref="Count"/> chunks, whatever the copy's
/// length. The waits block on a monitor at once (a spinning wait cost tens of thousands of sched_yield calls per copy on
/// the 2 loaded cores here, BENCHMARKS.md "Round four").
/// </summary>
internal sealed class ReadAheadSlots : IDisposable
{
    /// <summary>Slots in the ring: two per reader, so each reader can fill its next chunk while the writer writes its last.</summary>
    public const int Count = 4;

    private readonly object _gate = new();
    private readonly byte[][] _buffers = new byte[Count][];
    private readonly bool[] _filled = new bool[Count];
    private readonly ExceptionDispatchInfo?[] _failures = new ExceptionDispatchInfo?[Count];
    private bool _stopped;

    /// <summary>Rents <see cref="Count"/> buffers of <paramref name="chunkSize"/> bytes.</summary>
    public ReadAheadSlots(int chunkSize)
    {
        for (int slot = 0; slot < Count; slot++)
        {
            _buffers[slot] = ArrayPool<byte>.Shared.Rent(chunkSize);
        }
    }

    /// <summary>The buffer of chunk <paramref name="index"/>'s slot.</summary>
    public byte[] Buffer(long index) => _buffers[index % Count];

    /// <summary>
    /// A reader waits until chunk <paramref name="index"/>'s slot is empty; false when the copy stopped (the writer
    /// finished, failed or was cancelled) and the reader should end.
    /// </summary>
    public bool WaitEmpty(long index)
    {
        int slot = (int)(index % Count);
        lock (_gate)
        {
            while (_filled[slot] && !_stopped)
            {
                Monitor.Wait(_gate);
            }

            return !_stopped;
        }
    }

    /// <summary>A reader hands chunk <paramref name="index"/> to the writer: read, or failed with <paramref name="failure"/>.</summary>
    public void Fill(long index, Exception? failure = null)
    {
        int slot = (int)(index % Count);
        lock (_gate)
        {
            _failures[slot] = failure is null ? null : ExceptionDispatchInfo.Capture(failure);
            _filled[slot] = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// The writer waits for chunk <paramref name="index"/>, throwing its reader's exception if the read failed.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public void WaitFilled(long index, CancellationToken cancellationToken)
    {
        int slot = (int)(index % Count);
        lock (_gate)
        {
            while (!_filled[slot])
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(_gate);
            }

            _failures[slot]?.Throw();
        }
    }

    /// <summary>The writer has written chunk <paramref name="index"/>: its slot takes the next chunk.</summary>
    public void Empty(long index)
    {
        int slot = (int)(index % Count);
        lock (_gate)
        {
            _filled[slot] = false;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Wakes every waiter and tells the readers to end (the copy finished, failed or was cancelled).</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Returns the buffers; only once no reader uses them.</summary>
    public void Dispose()
    {
        foreach (byte[] buffer in _buffers)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
