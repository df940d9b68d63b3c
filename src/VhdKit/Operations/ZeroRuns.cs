namespace VhdKit.Operations;

/// <summary>One run of a scanned chunk: grains that are all zeros, or grains that each hold a non-zero byte.</summary>
/// <param name="Start">Where the run starts, from the chunk's start.</param>
/// <param name="Length">The run's length in bytes (whole grains, the chunk's last grain possibly short).</param>
/// <param name="IsZero">Whether every byte of the run is zero.</param>
internal readonly record struct ZeroRun(int Start, int Length, bool IsZero);

/// <summary>
/// The copy engine's zero scan (issue 13: one scan for convert and upload): a chunk cut into grains (convert: the whole
/// chunk, whose zeros it leaves unwritten; upload: Azure's 512-byte pages, whose zeros it leaves unsent), walked as
/// maximal runs of all-zero grains and of grains holding data, in order. No allocation; each byte is looked at once
/// in a zero run and at most once per grain in a data run.
/// </summary>
internal ref struct ZeroRuns
{
    private readonly ReadOnlySpan<byte> _chunk;
    private readonly int _grain;
    private int _at;

    /// <summary>The runs of <paramref name="chunk"/> in grains of <paramref name="grain"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="grain"/> is not positive.</exception>
    public ZeroRuns(ReadOnlySpan<byte> chunk, int grain)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(grain);
        _chunk = chunk;
        _grain = grain;
        _at = 0;
        Current = default;
    }

    /// <summary>The run found by the last <see cref="MoveNext"/>.</summary>
    public ZeroRun Current { get; private set; }

    /// <summary>Whether the whole of <paramref name="chunk"/> is zeros.</summary>
    public static bool IsAllZero(ReadOnlySpan<byte> chunk) => !chunk.ContainsAnyExcept((byte)0);

    /// <summary>For <c>foreach</c>.</summary>
    public readonly ZeroRuns GetEnumerator() => this;

    /// <summary>Finds the next run; false at the chunk's end.</summary>
    public bool MoveNext()
    {
        if (_at >= _chunk.Length)
        {
            return false;
        }

        int start = _at;
        if (IsZeroGrain(start))
        {
            // Zeros up to the grain of the first non-zero byte after them (one vectorised search).
            int nonZero = _chunk[start..].IndexOfAnyExcept((byte)0);
            _at = nonZero < 0 ? _chunk.Length : start + nonZero / _grain * _grain;
            Current = new ZeroRun(start, _at - start, IsZero: true);
            return true;
        }

        _at = GrainEnd(start);
        while (_at < _chunk.Length && !IsZeroGrain(_at))
        {
            _at = GrainEnd(_at);
        }

        Current = new ZeroRun(start, _at - start, IsZero: false);
        return true;
    }

    private readonly int GrainEnd(int at) => (int)Math.Min(_chunk.Length, (long)at + _grain);

    private readonly bool IsZeroGrain(int at) => IsAllZero(_chunk[at..GrainEnd(at)]);
}
