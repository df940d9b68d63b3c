namespace VhdKit.Chain;

/// <summary>A <see cref="Stream"/> over a <see cref="VirtualDisk"/>: seekable, fixed length, read-write when the disk is.</summary>
internal sealed class VirtualDiskStream(VirtualDisk disk) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => disk.CanWrite;

    public override long Length => disk.Capacity;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = disk.Read(buffer, _position);
        _position += read;
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!CanWrite)
        {
            throw new NotSupportedException("The disk is open read-only.");
        }

        if (_position > disk.Capacity - buffer.Length)
        {
            throw new IOException($"Cannot write {buffer.Length} bytes at {_position}: the disk is {disk.Capacity} bytes and cannot grow through a stream.");
        }

        disk.Write(buffer, _position);
        _position += buffer.Length;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long origin64 = origin switch
        {
            SeekOrigin.Begin => 0,
            SeekOrigin.Current => _position,
            SeekOrigin.End => disk.Capacity,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };

        // Both are at least 0, so only a positive offset can overflow.
        if (offset > long.MaxValue - origin64)
        {
            throw new IOException($"Cannot seek {offset} bytes from {origin64}: past the largest position a stream has.");
        }

        long target = origin64 + offset;
        if (target < 0)
        {
            throw new IOException("Cannot seek before the start of the disk.");
        }

        _position = target;
        return target;
    }

    public override void SetLength(long value) => throw new NotSupportedException("A virtual disk's size is fixed; resize the image instead.");

    public override void Flush()
    {
        if (CanWrite)
        {
            disk.Flush();
        }
    }
}
