namespace VhdKit.Storage;

/// <summary>
/// Positional I/O on one file: read and write at an offset, with no shared position, so several threads
/// may read at once. Implementations: <see cref="FileStorage"/> (a real file) and <see cref="MemoryStorage"/>
/// (tests); a fault-injecting one can wrap either.
/// </summary>
public interface IPositionalStorage : IDisposable
{
    /// <summary>What the storage is (a path, or a description), for messages.</summary>
    string Name { get; }

    /// <summary>Whether writes are allowed.</summary>
    bool CanWrite { get; }

    /// <summary>The current length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; fewer only at the end.</summary>
    /// <returns>The number of bytes read; 0 at or past the end.</returns>
    /// <exception cref="IOException">The read failed.</exception>
    int Read(Span<byte> buffer, long offset);

    /// <summary>Reads asynchronously; see <see cref="Read"/>.</summary>
    /// <exception cref="IOException">The read failed.</exception>
    ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="buffer"/> at <paramref name="offset"/>, extending the storage if needed.</summary>
    /// <exception cref="IOException">The write failed (for example, the disk is full).</exception>
    /// <exception cref="NotSupportedException">The storage is read-only.</exception>
    void Write(ReadOnlySpan<byte> buffer, long offset);

    /// <summary>Writes asynchronously; see <see cref="Write"/>.</summary>
    /// <exception cref="IOException">The write failed.</exception>
    /// <exception cref="NotSupportedException">The storage is read-only.</exception>
    ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken);

    /// <summary>Sets the length: truncates, or extends (sparse where the file system allows).</summary>
    /// <exception cref="IOException">The change failed.</exception>
    /// <exception cref="NotSupportedException">The storage is read-only.</exception>
    void SetLength(long length);

    /// <summary>Makes every completed write durable (data and metadata: fsync).</summary>
    /// <exception cref="IOException">The flush failed.</exception>
    void Flush();
}
