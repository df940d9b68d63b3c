using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Tests.Images;

/// <summary>The per-block slots that hold clean bitmaps, and the byte bound the cache keeps with them.</summary>
public class BlockSlotsTests
{
    [Fact]
    public void Slots_hold_what_was_set_in_any_page_until_removed_or_cleared()
    {
        var slots = new BlockSlots<string>();
        Assert.Equal(BlockSlots<string>.PageBytes, slots.Set(3, "three"));
        Assert.Equal(0, slots.Set(4, "four"));
        Assert.Equal(BlockSlots<string>.PageBytes, slots.Set(100_000, "far"));

        Assert.Equal("three", slots.Get(3));
        Assert.Equal("far", slots.Get(100_000));
        Assert.Null(slots.Get(5));
        Assert.Null(slots.Get(99_999_999));

        Assert.Equal("four", slots.Remove(4));
        Assert.Null(slots.Get(4));
        Assert.Null(slots.Remove(4));

        slots.Clear();
        Assert.Null(slots.Get(3));
        Assert.Null(slots.Get(100_000));
    }

    [Fact]
    public void Full_bitmaps_of_blocks_far_apart_stay_under_the_byte_bound()
    {
        // Every bitmap fully set (shared, no bytes of its own): only the pages of slots cost memory, one per block when
        // the blocks lie a page apart. The bound must hold for them as for bitmaps.
        const int BitmapSize = 512;
        const long Bound = 64 * 1024;
        var storage = new MemoryStorage(Enumerable.Repeat((byte)0xFF, BitmapSize).ToArray());
        var cache = new BitmapCache(storage, BitmapSize, Bound);
        long most = 0;
        for (int i = 0; i < 200; i++)
        {
            cache.Get(i * BlockSlots<byte[]>.PageSlots, 0);
            Assert.True(cache.Bytes <= Bound, $"{cache.Bytes} bytes held after {i + 1} bitmaps (bound {Bound})");
            most = Math.Max(most, cache.Bytes);
        }

        Assert.True(most >= Bound / 2, $"the cache held at most {most} bytes: it should use its room");
    }
}
