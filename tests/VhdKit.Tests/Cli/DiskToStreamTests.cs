using VhdKit.Chain;
using VhdKit.Cli;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary><c>vhd read</c>'s two-reader copy: the chunks in order, and a failure or cancellation in either reader ends both.</summary>
public sealed class DiskToStreamTests : IDisposable
{
    private const long Capacity = 9L * 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0, Capacity)]
    [InlineData(3, (5L * 1024 * 1024) + 517)]
    [InlineData(1024 * 1024, 1024 * 1024)]
    [InlineData(7, 0)]
    public void Two_readers_write_the_range_in_order(long at, long count)
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, seed: 61);
        chain.AddLayer(writes: 5, maxWrite: 3 * 1024 * 1024);
        chain.AddLayer(writes: 5, maxWrite: 3 * 1024 * 1024);
        using VirtualDisk disk = VirtualDisk.Open(chain.Leaf, new VirtualDiskOptions { ReadOnly = true });
        using var output = new MemoryStream();
        var reported = new List<long>();

        DiskToStream.Copy(disk, at, count, output, new SynchronousProgress(p => reported.Add(p.Done)), CancellationToken.None);

        ChainBuilder.AssertBytes(chain.Model.AsSpan((int)at, (int)count).ToArray(), output.ToArray());
        Assert.Equal([.. reported.Order()], reported);
        Assert.Equal(count == 0 ? [] : [count], reported.TakeLast(1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void A_failed_write_in_either_reader_ends_the_copy_with_its_error(int failingWrite)
    {
        string image = ImageFiles.Dynamic(_folder.File("d.vhd"), Capacity);
        using VirtualDisk disk = VirtualDisk.Open(image, new VirtualDiskOptions { ReadOnly = true });
        using var output = new FailingStream(failingWrite);

        var error = Assert.Throws<IOException>(() => DiskToStream.Copy(disk, 0, Capacity, output, null, CancellationToken.None));
        Assert.Equal("disk full (test)", error.Message);
    }

    [Fact]
    public void Cancelling_stops_both_readers()
    {
        string image = ImageFiles.Dynamic(_folder.File("d.vhd"), Capacity);
        using VirtualDisk disk = VirtualDisk.Open(image, new VirtualDiskOptions { ReadOnly = true });
        using var cancel = new CancellationTokenSource();
        using var output = new MemoryStream();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Done >= 3 * 1024 * 1024)
            {
                cancel.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => DiskToStream.Copy(disk, 0, Capacity, output, progress, cancel.Token));
        Assert.True(output.Length < Capacity);
    }

    private sealed class SynchronousProgress(Action<VhdKit.Operations.OperationProgress> report) : IProgress<VhdKit.Operations.OperationProgress>
    {
        public void Report(VhdKit.Operations.OperationProgress value) => report(value);
    }

    /// <summary>A stream whose n-th write (1-based) throws, as a full disk would.</summary>
    private sealed class FailingStream(int failingWrite) : MemoryStream
    {
        private int _writes;

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (++_writes == failingWrite)
            {
                throw new IOException("disk full (test)");
            }

            base.Write(buffer, offset, count);
        }
    }
}
