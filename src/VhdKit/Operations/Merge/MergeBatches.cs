using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// A merge's flushes in batches that grow (issue 13: fewer fsyncs): the first after <c>first</c> bytes, each next one
/// twice as far on, up to <c>largest</c>; a VHD target's allocation reservations (one fsync each) grow with them. Each
/// flush costs the same fsyncs whatever its batch (data durable, then the metadata that names it), so a 2 GiB merge
/// makes 6 batches rather than 32. The order of a flush is unchanged; a crash loses at most the batch under way (the
/// journal makes the merge run again), and a batch's reservation is at most about as large as what the merge wrote before it.
/// </summary>
internal sealed class MergeBatches
{
    private readonly Action _flush;
    private readonly VhdImage? _vhd;
    private readonly long _largest;
    private long _batch;
    private long _since;

    /// <summary>Batches from <paramref name="first"/> bytes up to <paramref name="largest"/>, flushed with <paramref name="flush"/>.</summary>
    /// <param name="flush">The target's flush.</param>
    /// <param name="vhd">The target when it is a VHD, whose reservations grow with the batches.</param>
    /// <param name="first">The first batch, in bytes; the copy engine calls <see cref="Flush"/> every this many bytes.</param>
    /// <param name="largest">The largest batch, in bytes.</param>
    public MergeBatches(Action flush, VhdImage? vhd, long first, long largest)
    {
        _flush = flush;
        _vhd = vhd;
        _largest = largest;
        _batch = first;
        Step = first;
    }

    /// <summary>How often the copy engine calls <see cref="Flush"/>, in bytes.</summary>
    public long Step { get; }

    /// <summary>Prepares the target for the first batch.</summary>
    public void Start()
    {
        if (_vhd is not null)
        {
            _vhd.ReservationBytes = _batch;
        }
    }

    /// <summary>Called every <see cref="Step"/> bytes: flushes when the batch under way is complete, and doubles the next.</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    public void Flush()
    {
        _since += Step;
        if (_since < _batch)
        {
            return;
        }

        _flush();
        _since = 0;
        _batch = Math.Min(_batch * 2, _largest);
        Start();
    }
}
