using VhdKit.Storage;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// A read-only view of a shared image with one patch laid over it and a chosen length (shorter: truncated; longer:
/// zeros appended), so that a mutation case costs no copy of the image.
/// </summary>
public sealed class MutatedStorage(byte[] original, long length, long patchOffset, byte[] patch) : IPositionalStorage
{
    public string Name => "mutated";

    public bool CanWrite => false;

    public long Length => length;

    public int Read(Span<byte> buffer, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= length)
        {
            return 0;
        }

        int count = (int)Math.Min(buffer.Length, length - offset);
        Span<byte> target = buffer[..count];
        target.Clear();
        if (offset < original.Length)
        {
            original.AsSpan((int)offset, (int)Math.Min(count, original.Length - offset)).CopyTo(target);
        }

        // The patch's overlap with [offset, offset + count).
        long start = Math.Max(offset, patchOffset);
        long end = Math.Min(offset + count, patchOffset + patch.Length);
        if (start < end)
        {
            patch.AsSpan((int)(start - patchOffset), (int)(end - start)).CopyTo(target[(int)(start - offset)..]);
        }

        return count;
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Read(buffer.Span, offset));

    public void Write(ReadOnlySpan<byte> buffer, long offset) => throw new NotSupportedException("mutated images are read-only");

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        throw new NotSupportedException("mutated images are read-only");

    public void SetLength(long length) => throw new NotSupportedException("mutated images are read-only");

    public void Flush()
    {
    }

    public void Dispose()
    {
    }
}
