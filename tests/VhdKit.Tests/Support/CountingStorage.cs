using VhdKit.Storage;

namespace VhdKit.Tests.Support;

/// <summary>Passes everything to a storage and counts the read calls that reach it (a vectored read counts once, as its one preadv).</summary>
public sealed class CountingStorage(IPositionalStorage inner) : IPositionalStorage, IVectoredRead
{
    private int _reads;

    /// <summary>Read calls so far (<see cref="Read"/>, <see cref="ReadAsync"/> and vectored reads).</summary>
    public int Reads => Volatile.Read(ref _reads);

    public string Name => inner.Name;

    public bool CanWrite => inner.CanWrite;

    public long Length => inner.Length;

    /// <summary>Opens the layers of a chain (paths base first) over counting file storages, and the disk over them.</summary>
    public static (VhdKit.Chain.VirtualDisk Disk, CountingStorage[] Storages) OpenChain(IReadOnlyList<string> baseFirst)
    {
        var storages = baseFirst.Reverse().Select(path => new CountingStorage(FileStorage.Open(path))).ToArray();
        var disk = VhdKit.Chain.VirtualDisk.Open([.. storages.Select(s => VhdKit.Images.VhdImage.Open(s, leaveOpen: false))]);
        return (disk, storages);
    }

    /// <summary>Starts counting from zero (after opening, which reads the metadata).</summary>
    public void Reset() => Volatile.Write(ref _reads, 0);

    public int Read(Span<byte> buffer, long offset)
    {
        Interlocked.Increment(ref _reads);
        return inner.Read(buffer, offset);
    }

    int IVectoredRead.ReadVector(Span<byte> first, Span<byte> second, Span<byte> third, Span<byte> fourth, long offset)
    {
        Interlocked.Increment(ref _reads);
        return inner is IVectoredRead vectored ? vectored.ReadVector(first, second, third, fourth, offset) : 0;
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return inner.ReadAsync(buffer, offset, cancellationToken);
    }

    public void Write(ReadOnlySpan<byte> buffer, long offset) => inner.Write(buffer, offset);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, cancellationToken);

    public void SetLength(long length) => inner.SetLength(length);

    public void Flush() => inner.Flush();

    public void Dispose() => inner.Dispose();
}
