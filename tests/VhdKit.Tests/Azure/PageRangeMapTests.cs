using VhdKit.Azure;

namespace VhdKit.Tests.Azure;

/// <summary>The written span of a window, from a blob's page ranges, and the window cache's cap (no Azure needed).</summary>
public sealed class PageRangeMapTests
{
    [Fact]
    public void The_written_span_of_a_window_covers_every_range_in_it_and_nothing_outside()
    {
        var map = new PageRangeMap([(4096, 8192), (0, 512), (20_480, 24_576), (65_536, 131_072)]);

        Assert.Equal((0L, 512L), map.Written(0, 1024));
        Assert.Equal((1024L, 1024L), map.Written(1024, 4096));
        Assert.Equal((4096L, 24_576L), map.Written(1024, 32_768));
        Assert.Equal((65_536L, 70_000L), map.Written(60_000, 70_000));
        Assert.Equal((200_000L, 200_000L), map.Written(200_000, 300_000));
        Assert.Equal(512 + 4096 + 4096 + 65_536, map.StoredBytes);
    }

    [Fact]
    public void The_window_cache_never_allocates_more_buffers_than_its_cap()
    {
        var cache = new ReadWindowCache(4096, 3);
        for (long index = 0; index < 100; index++)
        {
            byte[] buffer = cache.Rent()!;
            buffer.AsSpan().Fill((byte)index);
            cache.Add(index, buffer);
        }

        Assert.Equal(3, cache.BuffersAllocated);
        var read = new byte[10];
        Assert.True(cache.TryCopy(99, 100, read));
        Assert.All(read, b => Assert.Equal(99, b));
        Assert.False(cache.TryCopy(96, 0, read));

        // A zero window holds no buffer and reads as zeros.
        cache.Add(500, null);
        Assert.True(cache.TryCopy(500, 0, read));
        Assert.All(read, b => Assert.Equal(0, b));
        Assert.Equal(3, cache.BuffersAllocated);
    }
}
