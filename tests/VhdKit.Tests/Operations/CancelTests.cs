using VhdKit.Chain;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>Cancelling in the middle of an operation loses nothing and leaves no temporary file.</summary>
public class CancelTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ChainBuilder Chain()
    {
        var chain = new ChainBuilder(_folder.Path, 12L * 1024 * 1024, 23);
        chain.AddLayer(4, maxWrite: 3 * 1024 * 1024);
        chain.AddLayer(4, maxWrite: 3 * 1024 * 1024);
        return chain;
    }

    /// <summary>Cancels at the first progress report: in the middle of the work, deterministically.</summary>
    private sealed class CancelOnFirstReport(CancellationTokenSource source) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            if (value.Done < value.Total)
            {
                source.Cancel();
            }
        }
    }

    [Fact]
    public void Cancelled_convert_compact_and_merge_lose_nothing()
    {
        ChainBuilder chain = Chain();
        byte[] parentBefore = File.ReadAllBytes(chain.Layers[0]);
        byte[] childBefore = File.ReadAllBytes(chain.Leaf);

        using (var cancel = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() =>
                ConvertOperation.Run(new ConvertRequest(chain.Leaf, _folder.File("out.vhd")) { TargetFormat = ConvertFormat.Dynamic }, new CancelOnFirstReport(cancel), cancel.Token));
        }

        using (var cancel = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => CompactOperation.Run(new CompactRequest(chain.Leaf), new CancelOnFirstReport(cancel), cancel.Token));
        }

        Assert.Equal(childBefore, File.ReadAllBytes(chain.Leaf));
        Assert.Equal(parentBefore, File.ReadAllBytes(chain.Layers[0]));
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp").Concat(Directory.GetFiles(_folder.Path, ".*")));
        Assert.False(File.Exists(_folder.File("out.vhd")));

        using (var cancel = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf), new CancelOnFirstReport(cancel), cancel.Token));
        }

        // The child is untouched, the chain reads the same, and merging again completes the merge.
        Assert.Equal(childBefore, File.ReadAllBytes(chain.Leaf));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Leaf));
        Assert.True(File.Exists(MergeJournal.PathFor(Path.GetFullPath(chain.Layers[0]))));
        MergeOperation.Run(new MergeRequest(chain.Leaf));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Layers[0]));
        Assert.False(File.Exists(MergeJournal.PathFor(Path.GetFullPath(chain.Layers[0]))));
    }

    [SkippableFact]
    public void Ctrl_c_stops_the_cli_and_leaves_nothing_behind()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "sends SIGINT with kill(1)");

        // A 2040 GiB sparse fixed disk: converting it reads for many minutes, so the signal lands mid-way.
        string source = ImageFiles.Fixed(_folder.File("huge.vhd"), 2040L * 1024 * 1024 * 1024);
        using InterruptedRun run = InterruptedRun.Vhd(_folder.Path, "convert", "-O", "raw", source, "out.raw");
        run.Interrupt(() => Directory.GetFiles(_folder.Path, ".vhdkit-*.tmp").Length > 0, "the conversion");
        Assert.Equal(130, run.ExitCode);
        Assert.Contains("vhd: cancelled convert ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was left behind", run.Stderr, StringComparison.Ordinal);
        Assert.Equal([Path.GetFullPath(source)], Directory.GetFiles(_folder.Path).Select(Path.GetFullPath));
    }
}
