namespace VhdKit.Storage;

/// <summary>
/// A storage that reads two adjacent ranges into two buffers with one call (preadv): a block's sector bitmap into
/// the bitmap cache and the data after it into the caller's buffer.
/// </summary>
internal interface IPairedRead
{
    /// <summary>
    /// Reads <paramref name="first"/>.Length bytes at <paramref name="offset"/> into <paramref name="first"/> and the
    /// bytes after them into <paramref name="second"/>, in one call where the platform allows.
    /// </summary>
    /// <returns>The bytes read, counted across both buffers; fewer than both lengths only at the end (0 at or past it).</returns>
    /// <exception cref="IOException">The read failed.</exception>
    int ReadPair(Span<byte> first, Span<byte> second, long offset);
}
