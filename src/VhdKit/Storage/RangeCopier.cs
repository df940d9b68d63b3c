namespace VhdKit.Storage;

/// <summary>
/// Copies ranges from one storage into another: in the kernel (<see cref="FileRangeCopy"/>, as <c>cp</c> does) when
/// both are local files, through a buffer otherwise. Once the kernel refuses a pair of files (another file system,
/// an old kernel) it is not asked again: every later range goes through the buffer.
/// </summary>
/// <param name="buffer">The buffer for ranges the kernel does not copy; no range is longer.</param>
internal sealed class RangeCopier(byte[] buffer)
{
    private bool _kernelRefused;

    /// <summary>The bytes the kernel copied so far.</summary>
    public long KernelBytes { get; private set; }

    /// <summary>
    /// Copies <paramref name="length"/> bytes of <paramref name="source"/> at <paramref name="sourceOffset"/> into
    /// <paramref name="target"/> at <paramref name="targetOffset"/>: the same bytes a read and a write would leave,
    /// made durable by the target's next flush as a write is.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is longer than the buffer.</exception>
    /// <exception cref="Format.VhdFormatException">The source ends before the range does.</exception>
    /// <exception cref="IOException">Reading or writing failed.</exception>
    public void Copy(IPositionalStorage source, long sourceOffset, IPositionalStorage target, long targetOffset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        long done = 0;
        if (!_kernelRefused && source is FileStorage from && target is FileStorage to)
        {
            done = to.CopyFrom(from, sourceOffset, targetOffset, length);
            KernelBytes += done;
            _kernelRefused = done < length;
        }

        if (done < length)
        {
            Span<byte> rest = buffer.AsSpan(0, length - (int)done);
            source.ReadExactly(rest, sourceOffset + done, "Data");
            target.Write(rest, targetOffset + done);
        }
    }
}
