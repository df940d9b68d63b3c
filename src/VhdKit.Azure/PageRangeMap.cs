namespace VhdKit.Azure;

/// <summary>
/// The written ranges of a page blob (Get Page Ranges), sorted: everything else reads as zeros and is never downloaded.
/// Bounded: a blob listed with more than <see cref="MaxRanges"/> ranges gets no map (every byte is then downloaded),
/// so a hostile or badly fragmented blob cannot make it grow without limit.
/// </summary>
internal sealed class PageRangeMap
{
    /// <summary>The most ranges kept: 1,048,576 (16 MiB of offsets).</summary>
    public const int MaxRanges = 1 << 20;

    private readonly long[] _starts;
    private readonly long[] _ends;

    public PageRangeMap(List<(long Start, long End)> ranges)
    {
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        _starts = new long[ranges.Count];
        _ends = new long[ranges.Count];
        for (int i = 0; i < ranges.Count; i++)
        {
            (_starts[i], _ends[i]) = ranges[i];
        }
    }

    /// <summary>The bytes the ranges cover.</summary>
    public long StoredBytes
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _starts.Length; i++)
            {
                total += _ends[i] - _starts[i];
            }

            return total;
        }
    }

    /// <summary>
    /// The smallest span of [<paramref name="start"/>, <paramref name="end"/>) that holds every written byte in it, or
    /// an empty span (Start == End) when none is written.
    /// </summary>
    public (long Start, long End) Written(long start, long end)
    {
        // The first range that ends after start.
        int low = 0;
        int high = _starts.Length;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (_ends[middle] <= start)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        if (low == _starts.Length || _starts[low] >= end)
        {
            return (start, start);
        }

        long first = Math.Max(start, _starts[low]);
        long last = first;
        for (int i = low; i < _starts.Length && _starts[i] < end; i++)
        {
            last = Math.Max(last, Math.Min(end, _ends[i]));
        }

        return (first, last);
    }
}
