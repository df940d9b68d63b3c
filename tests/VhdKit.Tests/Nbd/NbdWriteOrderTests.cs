using VhdKit.Nbd;

namespace VhdKit.Tests.Nbd;

/// <summary>The order kept among a connection's writes served in parallel.</summary>
public sealed class NbdWriteOrderTests
{
    [Fact]
    public async Task A_write_waits_for_the_earlier_writes_it_overlaps_and_only_those()
    {
        var order = new NbdWriteOrder();
        (Task first, object a) = order.Begin(0, 65536);
        (Task overlapping, object b) = order.Begin(32768, 65536);
        (Task disjoint, object c) = order.Begin(131072, 4096);
        (Task touching, object d) = order.Begin(65536 + 32768, 4096); // starts where b ends

        Assert.True(first.IsCompleted);
        Assert.False(overlapping.IsCompleted);
        Assert.True(disjoint.IsCompleted);
        Assert.True(touching.IsCompleted);

        order.End(a);
        await overlapping.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (object entry in new[] { b, c, d })
        {
            order.End(entry);
        }
    }

    [Fact]
    public async Task A_flush_waits_for_every_write_received_before_it_and_not_for_later_ones()
    {
        var order = new NbdWriteOrder();
        (_, object a) = order.Begin(0, 4096);
        (_, object b) = order.Begin(1 << 20, 4096);
        Task flush = order.Earlier();
        (_, object later) = order.Begin(2 << 20, 4096);

        order.End(a);
        Assert.False(flush.IsCompleted);
        order.End(b);
        await flush.WaitAsync(TimeSpan.FromSeconds(30)); // the later write is still under way
        Assert.True(order.Earlier() is { IsCompleted: false });
        order.End(later);
        Assert.True(order.Earlier().IsCompleted);
    }
}
