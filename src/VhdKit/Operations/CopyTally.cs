namespace VhdKit.Operations;

/// <summary>
/// What a copy loop of <see cref="CopyEngine"/> has done: the bytes written, a flush every <c>flushEvery</c> bytes,
/// progress after each chunk and once at the end. One per copy, on the thread that writes.
/// </summary>
/// <param name="total">The bytes the copy will write.</param>
/// <param name="progress">Receives bytes done of <paramref name="total"/>.</param>
/// <param name="flush">Called every <paramref name="flushEvery"/> bytes; none when <see langword="null"/>.</param>
/// <param name="flushEvery">Bytes between flushes; 0 for none.</param>
internal sealed class CopyTally(long total, IProgress<OperationProgress>? progress, Action? flush, long flushEvery)
{
    private long _done;
    private long _sinceFlush;

    /// <summary>Counts a written chunk: flushes when <c>flushEvery</c> bytes have passed, then reports progress.</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public void Written(int count)
    {
        _done += count;
        _sinceFlush += count;
        if (flush is not null && flushEvery > 0 && _sinceFlush >= flushEvery)
        {
            flush();
            _sinceFlush = 0;
        }

        progress?.Report(new OperationProgress(_done, total));
    }

    /// <summary>Reports the copy complete.</summary>
    /// <returns>The bytes the copy wrote (its total).</returns>
    public long Finished()
    {
        progress?.Report(new OperationProgress(total, total));
        return total;
    }
}
