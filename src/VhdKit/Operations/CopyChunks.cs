using VhdKit.Chain;

namespace VhdKit.Operations;

/// <summary>
/// The copy engine's plan (issue 13: one plan for convert, merge, compact and upload): the runs to copy, in order, cut
/// into chunks that never cross a multiple of the chunk size, produced one at a time (memory does not grow with the
/// disk). With <c>joinTouching</c>, a run that starts where the previous chunk ended, inside the same aligned chunk,
/// extends it (upload's windows: one read and one request for neighbours of one window).
/// </summary>
internal struct CopyChunks
{
    private readonly IReadOnlyList<DiskExtent> _extents;
    private readonly int _chunkSize;
    private readonly bool _joinTouching;
    private int _extent;
    private long _offset;

    /// <summary>A plan over <paramref name="extents"/> (in order, not overlapping) in chunks of <paramref name="chunkSize"/>.</summary>
    public CopyChunks(IReadOnlyList<DiskExtent> extents, int chunkSize, bool joinTouching = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        _extents = extents;
        _chunkSize = chunkSize;
        _joinTouching = joinTouching;
        _extent = 0;
        _offset = extents.Count > 0 ? extents[0].Offset : 0;
    }

    /// <summary>The total length of the extents.</summary>
    public static long Total(IReadOnlyList<DiskExtent> extents)
    {
        long total = 0;
        foreach (DiskExtent extent in extents)
        {
            total += extent.Length;
        }

        return total;
    }

    /// <summary>The next chunk; false when every run is done.</summary>
    public bool Next(out long offset, out int count)
    {
        while (_extent < _extents.Count && _offset >= _extents[_extent].Offset + _extents[_extent].Length)
        {
            Advance();
        }

        if (_extent >= _extents.Count)
        {
            offset = 0;
            count = 0;
            return false;
        }

        offset = _offset;
        long boundary = (offset / _chunkSize + 1) * _chunkSize;
        long end = Math.Min(boundary, _extents[_extent].Offset + _extents[_extent].Length);
        while (_joinTouching && end < boundary && end == _extents[_extent].Offset + _extents[_extent].Length
            && _extent + 1 < _extents.Count && _extents[_extent + 1].Offset <= end)
        {
            Advance();
            end = Math.Min(boundary, Math.Max(end, _extents[_extent].Offset + _extents[_extent].Length));
        }

        _offset = end;
        count = (int)(end - offset);
        return true;
    }

    private void Advance()
    {
        _extent++;
        if (_extent < _extents.Count)
        {
            _offset = Math.Max(_offset, _extents[_extent].Offset);
        }
    }
}
