namespace VhdKit.Nbd;

/// <summary>
/// The writes of one connection under way, in the order they were received, so that those served in parallel keep
/// NBD's (and qemu-nbd's) guarantees: a write waits for every earlier write whose range it overlaps (so the later
/// bytes win), and a FLUSH waits for every write received before it (so it covers each write acknowledged before it,
/// and more). Writes to disjoint ranges do not wait for each other. Bounded by the connection's slots: each entry is a
/// request holding one.
/// </summary>
internal sealed class NbdWriteOrder
{
    private readonly Lock _lock = new();
    private readonly List<Entry> _pending = [];

    /// <summary>
    /// Registers a write of [<paramref name="offset"/>, +<paramref name="length"/>) received now. Returns what it must
    /// wait for (the earlier writes it overlaps) and its own entry, to pass to <see cref="End"/> once it is on the disk
    /// (or failed).
    /// </summary>
    public (Task Before, object Entry) Begin(long offset, long length)
    {
        var entry = new Entry(offset, offset + length);
        lock (_lock)
        {
            List<Task>? before = null;
            foreach (Entry earlier in _pending)
            {
                if (earlier.Start < entry.End && entry.Start < earlier.End)
                {
                    (before ??= []).Add(earlier.Done.Task);
                }
            }

            _pending.Add(entry);
            return (before is null ? Task.CompletedTask : Task.WhenAll(before), entry);
        }
    }

    /// <summary>What a FLUSH received now waits for: every write received before it that is not yet done.</summary>
    public Task Earlier()
    {
        lock (_lock)
        {
            return _pending.Count == 0 ? Task.CompletedTask : Task.WhenAll(_pending.ConvertAll(static e => e.Done.Task));
        }
    }

    /// <summary>Marks a write begun with <see cref="Begin"/> as done: the writes and flushes waiting for it go on.</summary>
    public void End(object entry)
    {
        var done = (Entry)entry;
        lock (_lock)
        {
            _pending.Remove(done);
        }

        done.Done.TrySetResult();
    }

    private sealed class Entry(long start, long end)
    {
        public long Start { get; } = start;

        public long End { get; } = end;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
