using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>
/// Every verb has one shape: a request, progress, a cancellation token honoured at safe points only, a result with
/// absolute paths; the async twin runs the same core.
/// </summary>
public class OperationShapeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Cancels at the first report (which comes after the checks, before any write).</summary>
    private sealed class CancelAtFirstReport(CancellationTokenSource source, List<OperationProgress>? seen = null) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            seen?.Add(value);
            source.Cancel();
        }
    }

    private sealed class Recorder : IProgress<OperationProgress>
    {
        public List<OperationProgress> Seen { get; } = [];

        public void Report(OperationProgress value) => Seen.Add(value);
    }

    [Fact]
    public void A_cancelled_resize_stops_after_its_checks_and_writes_nothing()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        byte[] before = File.ReadAllBytes(path);
        using var cancel = new CancellationTokenSource();
        var seen = new List<OperationProgress>();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            ResizeOperation.Run(new ResizeRequest(path, 64 * ImageFiles.MiB), new CancelAtFirstReport(cancel, seen), cancel.Token));

        Assert.Equal([new OperationProgress(0, 1)], seen);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_cancelled_rebase_and_restamp_write_nothing()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        byte[] before = File.ReadAllBytes(child);

        foreach (RebaseRequest request in new[] { new RebaseRequest(child, parent), RebaseRequest.Restamp(child) })
        {
            using var cancel = new CancellationTokenSource();
            Assert.ThrowsAny<OperationCanceledException>(() => RebaseOperation.Run(request, new CancelAtFirstReport(cancel), cancel.Token));
            Assert.Equal(before, File.ReadAllBytes(child));
        }
    }

    [Fact]
    public void A_repair_cancelled_before_it_starts_changes_nothing_and_one_cancelled_between_steps_leaves_the_later_faults()
    {
        string file = CheckFixtures.Build(FaultCode.FooterChecksum, _folder.Path);
        byte[] before = File.ReadAllBytes(file);
        using (var cancelled = new CancellationTokenSource())
        {
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => RepairOperation.Run(new RepairRequest(file), null, cancelled.Token));
            Assert.Equal(before, File.ReadAllBytes(file));
        }

        var faultsBefore = CheckOperation.Run(new CheckRequest(file)).Faults.Select(f => f.Code).ToArray();
        using (var cancel = new CancellationTokenSource())
        {
            // The first report comes after the first step (BAT entries); the footers' step is not begun.
            Assert.ThrowsAny<OperationCanceledException>(() => RepairOperation.Run(new RepairRequest(file), new CancelAtFirstReport(cancel), cancel.Token));
        }

        Assert.Equal(faultsBefore, CheckOperation.Run(new CheckRequest(file)).Faults.Select(f => f.Code).ToArray());
        Assert.Contains(FaultCode.FooterChecksum, faultsBefore);

        RepairResult repaired = RepairOperation.Run(new RepairRequest(file));
        Assert.True(repaired.Fixed);
        Assert.True(repaired.After.IsClean);
    }

    [Fact]
    public void Resize_rebase_restamp_repair_and_check_report_progress_to_the_end()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        string other = ImageFiles.Dynamic(_folder.File("other.vhd"));
        var recorders = new[] { new Recorder(), new Recorder(), new Recorder(), new Recorder(), new Recorder(), new Recorder() };

        ResizeOperation.Run(new ResizeRequest(other, 16 * ImageFiles.MiB), recorders[0]);
        RebaseOperation.Run(new RebaseRequest(child, parent), recorders[1]);
        RebaseOperation.Run(RebaseRequest.Restamp(child), recorders[2]);
        RepairOperation.Run(new RepairRequest(child), recorders[3]);
        CheckOperation.Run(new CheckRequest(child) { Chain = true }, recorders[4]);
        CreateOperation.Run(CreateRequest.Fixed(_folder.File("zeros.vhd"), 4 * ImageFiles.MiB) with { ZeroFill = true }, recorders[5]);

        foreach (Recorder recorder in recorders)
        {
            Assert.NotEmpty(recorder.Seen);
            Assert.Equal(100, recorder.Seen[^1].Percent);
        }
    }

    [Fact]
    public void Results_name_absolute_paths_and_sizes_before_and_after()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string relativeChild = Path.GetRelativePath(Environment.CurrentDirectory, _folder.File("child.vhd"));

        CreateResult created = CreateOperation.Run(CreateRequest.Differencing(relativeChild, parent));
        ResizeResult resized = ResizeOperation.Run(new ResizeRequest(ImageFiles.Dynamic(_folder.File("r.vhd")), 16 * ImageFiles.MiB));
        RebaseResult restamped = RebaseOperation.Run(RebaseRequest.Restamp(relativeChild));
        CheckResult checkedChild = CheckOperation.Run(new CheckRequest(relativeChild));

        Assert.Equal(_folder.File("child.vhd"), created.Path);
        Assert.Equal(parent, created.ParentPath);
        Assert.Equal(VhdDiskType.Differencing, created.Type);
        Assert.Equal(8 * ImageFiles.MiB, created.VirtualSize);
        Assert.Equal(new FileInfo(created.Path).Length, created.FileSize);
        Assert.Equal((8 * ImageFiles.MiB, 16 * ImageFiles.MiB), (resized.SizeBefore, resized.SizeAfter));
        Assert.Equal(_folder.File("child.vhd"), restamped.Child);
        Assert.Equal(parent, restamped.Parent);
        Assert.True(restamped.Restamped);
        Assert.Equal(_folder.File("child.vhd"), checkedChild.Path);
    }

    [Fact]
    public async Task The_async_twins_run_the_same_core_and_honour_a_cancelled_token()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));

        CheckResult sync = CheckOperation.Run(new CheckRequest(path));
        CheckResult async = await CheckOperation.RunAsync(new CheckRequest(path));
        ResizeResult resized = await ResizeOperation.RunAsync(new ResizeRequest(path, 16 * ImageFiles.MiB));
        CreateResult created = await CreateOperation.RunAsync(CreateRequest.Dynamic(_folder.File("new.vhd"), 4 * ImageFiles.MiB));

        Assert.Equal(sync.Faults, async.Faults);
        Assert.Equal(16 * ImageFiles.MiB, resized.SizeAfter);
        Assert.True(File.Exists(created.Path));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MergeOperation.RunAsync(new MergeRequest(path), null, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CompactOperation.RunAsync(new CompactRequest(path), null, cancelled.Token));
    }

    [Fact]
    public void Create_and_resize_refuse_a_size_in_plain_words_without_dotnet_parameter_text()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));

        var create = Assert.Throws<ArgumentOutOfRangeException>(() => CreateOperation.Run(CreateRequest.Dynamic(_folder.File("small.vhd"), 2 * ImageFiles.MiB)));
        var resize = Assert.Throws<ArgumentOutOfRangeException>(() => ResizeOperation.Run(new ResizeRequest(path, (4 * ImageFiles.MiB) + 1)));
        var block = Assert.Throws<ArgumentOutOfRangeException>(() => CreateOperation.Run(CreateRequest.Dynamic(_folder.File("b.vhd"), 8 * ImageFiles.MiB, 4096)));

        Assert.Equal("The size must be at least 3 MiB (got 2 MiB).", create.Message);
        Assert.Equal("The new size must be a multiple of 512 bytes (got 4194305 bytes).", resize.Message);
        Assert.Equal("The block size must be 2 MiB (the default) or 512 KiB, the sizes Hyper-V and Virtual PC use; got 4096 bytes.", block.Message);
        Assert.False(File.Exists(_folder.File("small.vhd")));
    }
}
