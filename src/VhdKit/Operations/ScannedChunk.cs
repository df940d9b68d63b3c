using System.Buffers;

namespace VhdKit.Operations;

/// <summary>
/// One chunk of a source read once into a pooled buffer, for a consumer that works on its chunks independently and in
/// parallel (upload's page windows) rather than in the copy loop's order: the bytes, and their zero runs
/// (<see cref="ZeroRuns"/>). The part of the chunk past the source's end reads as zeros (a source that is not a whole
/// number of grains). Dispose returns the buffer.
/// </summary>
internal sealed class ScannedChunk : IDisposable
{
    private byte[]? _buffer;

    private ScannedChunk(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    /// <summary>The chunk's length in bytes.</summary>
    public int Length { get; }

    /// <summary>The chunk's bytes (the buffer behind them is pooled: valid until <see cref="Dispose"/>).</summary>
    public ArraySegment<byte> Bytes => new(_buffer ?? throw new ObjectDisposedException(nameof(ScannedChunk)), 0, Length);

    /// <summary>
    /// The chunk's runs of all-zero grains and of grains holding data, in grains of <paramref name="grain"/> bytes, as a
    /// list (an async consumer awaits between runs, which a <see cref="ZeroRuns"/> span walk cannot live across).
    /// </summary>
    public List<ZeroRun> Runs(int grain)
    {
        var runs = new List<ZeroRun>();
        foreach (ZeroRun run in new ZeroRuns(Bytes, grain))
        {
            runs.Add(run);
        }

        return runs;
    }

    /// <summary>
    /// Reads [<paramref name="offset"/>, + <paramref name="length"/>) of a source of <paramref name="capacity"/> bytes
    /// through <paramref name="read"/>, into a buffer rented from the shared pool (so at most
    /// <paramref name="maximumLength"/> bytes per chunk in memory, whatever the plan asks).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The chunk is empty, longer than <paramref name="maximumLength"/>, or starts outside the source.</exception>
    /// <exception cref="IOException">Reading failed (the buffer is returned).</exception>
    public static ScannedChunk Read(ChunkReader read, long offset, int length, long capacity, int maximumLength)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, maximumLength);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(offset, capacity);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int readable = (int)Math.Min(length, capacity - offset);
            read(buffer.AsSpan(0, readable), offset);
            buffer.AsSpan(readable, length - readable).Clear();
            return new ScannedChunk(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
