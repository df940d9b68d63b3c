namespace VhdKit.Storage;

/// <summary>
/// A storage that reads consecutive ranges into up to four buffers with one call (preadv): for example a run of
/// block data, the padding and the sector bitmap of the next block, and that block's data.
/// </summary>
internal interface IVectoredRead
{
    /// <summary>
    /// Reads from <paramref name="offset"/> into <paramref name="first"/>, then the bytes after them into
    /// <paramref name="second"/>, <paramref name="third"/> and <paramref name="fourth"/> (any may be empty), in one
    /// call where the platform allows.
    /// </summary>
    /// <returns>The bytes read, counted across the buffers; fewer than their total only at the end (0 at or past it), or when the call was cut short.</returns>
    /// <exception cref="IOException">The read failed.</exception>
    int ReadVector(Span<byte> first, Span<byte> second, Span<byte> third, Span<byte> fourth, long offset);
}
