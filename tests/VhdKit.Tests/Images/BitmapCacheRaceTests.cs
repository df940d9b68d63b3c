using VhdKit.Images;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Tests.Images;

/// <summary>The bitmap cache under a writer that changes a block while a reader is reading its bitmap from the file.</summary>
public class BitmapCacheRaceTests
{
    private const int BitmapSize = 512;

    /// <summary>Room for two clean bitmaps: a third empties the clean ones.</summary>
    private const long TwoBitmaps = 2 * (BitmapSize + 32);

    [Fact]
    public void A_bitmap_read_before_a_flush_wrote_the_block_is_not_kept_after_the_flush()
    {
        var file = new MemoryStorage(new byte[8 * BitmapSize]);
        var storage = new PausingStorage(file);
        var cache = new BitmapCache(storage, BitmapSize, TwoBitmaps);

        // While a reader's read of block 0's bitmap is under way (the file still has it all clear), the writer
        // sets its first sector, flushes (the file gets the new bitmap) and other blocks' reads evict it.
        storage.AfterNextRead = () =>
        {
            cache.SetSectors(0, 0, 1, 0);
            List<KeyValuePair<int, byte[]>> dirty = cache.DirtySnapshot();
            foreach ((int block, byte[] bitmap) in dirty)
            {
                file.Write(bitmap, (long)block * BitmapSize);
            }

            cache.MarkClean(dirty);
            cache.Get(1, BitmapSize);
            cache.Get(2, 2 * BitmapSize);
            Assert.False(cache.Contains(0));
        };

        byte[] seen = cache.Get(0, 0);

        // That reader may see the old bitmap (its read began before the write); every later one sees the new.
        Assert.False(SectorBitmap.IsSet(seen, 0));
        Assert.True(SectorBitmap.IsSet(cache.Get(0, 0), 0), "the old bitmap, read before the flush, was kept over the new one");
    }

    [Fact]
    public void A_bitmap_read_with_no_change_meanwhile_is_kept()
    {
        var storage = new PausingStorage(new MemoryStorage(new byte[8 * BitmapSize]));
        var cache = new BitmapCache(storage, BitmapSize, TwoBitmaps);
        cache.Get(3, 3 * BitmapSize);
        Assert.True(cache.Contains(3));
    }

    /// <summary>Runs an action once, right after the next read returns (the reader has the file's bytes, not yet in the cache).</summary>
    private sealed class PausingStorage(IPositionalStorage inner) : IPositionalStorage
    {
        public Action? AfterNextRead { get; set; }

        public string Name => inner.Name;

        public bool CanWrite => inner.CanWrite;

        public long Length => inner.Length;

        public int Read(Span<byte> buffer, long offset)
        {
            int read = inner.Read(buffer, offset);
            Action? action = AfterNextRead;
            AfterNextRead = null;
            action?.Invoke();
            return read;
        }

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Read(buffer.Span, offset));

        public void Write(ReadOnlySpan<byte> buffer, long offset) => inner.Write(buffer, offset);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, cancellationToken);

        public void SetLength(long length) => inner.SetLength(length);

        public void Flush() => inner.Flush();

        public void Dispose() => inner.Dispose();
    }
}
