using System.Collections.Concurrent;
using System.Diagnostics;
using VhdKit.Automation;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>VMTask semantics: progress, waiting, cancelling, failures recorded on the task, shutdown, concurrency.</summary>
public sealed class TaskTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _parent;
    private readonly ManualResetEventSlim _gate = new();
    private FaultStorage? _storage;

    public TaskTests()
    {
        _parent = TestImages.Dynamic(_temp.File("base.vhd"));
    }

    public void Dispose()
    {
        _gate.Set();
        _gate.Dispose();
        _temp.Dispose();
    }

    public static TheoryData<Personality> Both => ErrorTableTests.Both;

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Progress_grows_and_reaches_100(Personality personality)
    {
        await using Host host = Host.Open(personality);
        var seen = new ConcurrentQueue<int>();
        IVMTask task = host.CreateFixed(_temp.File("fixed.vhd"), 8, new SynchronousProgress(seen.Enqueue));
        await task;
        int[] values = seen.ToArray();
        Assert.Equal(100, values[^1]);
        Assert.Equal(100, task.PercentCompleted);
        Assert.True(values.Length > 2, $"only {string.Join(",", values)}");
        Assert.Equal(values.Order(), values);
        Assert.Equal(8 * TestImages.MiB, new FileInfo(_temp.File("fixed.vhd")).Length - 512);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task WaitForCompletion_with_0_a_small_timeout_and_minus_1(Personality personality)
    {
        await using Host host = GatedHost(personality);
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        Assert.False(task.WaitForCompletion(0));
        var clock = Stopwatch.StartNew();
        Assert.False(task.WaitForCompletion(50));
        Assert.True(clock.ElapsedMilliseconds >= 45, $"returned after {clock.ElapsedMilliseconds} ms");
        Assert.False(task.IsComplete);

        _gate.Set();
        Assert.True(task.WaitForCompletion(-1));
        Assert.True(task.IsComplete);
        Assert.Equal(VMTaskResult.Success, task.Result);
        Assert.True(task.WaitForCompletion(VMTask.MaxWaitMilliseconds));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(4_000_001)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public async Task WaitForCompletion_out_of_range_is_E_INVALIDARG(int timeout)
    {
        await using Host host = Host.Open(Personality.VirtualServer);
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALIDARG, () => task.WaitForCompletion(timeout));
        await task;
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Cancel_before_completion_leaves_no_file(Personality personality)
    {
        await using Host host = GatedHost(personality);
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        WaitUntilWriting();
        Assert.True(task.IsCancelable);
        task.Cancel();
        _gate.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await task);
        Assert.Equal(VMTaskResult.Cancelled, task.Result);
        Assert.Equal(VMErrorCodes.E_ABORT, task.Error);
        Assert.False(task.IsCancelable);
        AssertOnlyParentLeft();
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Cancel_after_completion_is_E_FAIL(Personality personality)
    {
        await using Host host = Host.Open(personality);
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        await task;
        Assert.False(task.IsCancelable);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_FAIL, task.Cancel);
        Assert.Equal(VMTaskResult.Success, task.Result);
        Assert.True(File.Exists(_temp.File("child.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task A_cancellation_token_cancels_a_fixed_disk_being_zeroed(Personality personality)
    {
        await using Host host = GatedHost(personality);
        using var cts = new CancellationTokenSource();
        IVMTask task = host.CreateFixed(_temp.File("fixed.vhd"), 64, token: cts.Token);
        WaitUntilWriting();
        await cts.CancelAsync();
        _gate.Set();
        await task.WaitAsync();
        Assert.Equal(VMTaskResult.Cancelled, task.Result);
        AssertOnlyParentLeft();
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task A_write_failing_with_ENOSPC_is_recorded_on_the_task_and_leaves_no_file(Personality personality)
    {
        var options = VMServiceOptions.Default with { WrapTemporary = storage => new FaultStorage(storage) { FailWrite = 1 } };
        await using Host host = Host.Open(personality, options: options);
        string child = _temp.File("child.vhd");
        IVMTask task = host.CreateDifferencing(child, _parent);
        VMException awaited = await Assert.ThrowsAsync<VMException>(async () => await task);
        Assert.Equal(VMErrorCodes.E_DISK_FULL, awaited.HResult);
        Assert.Equal(VMTaskResult.DiskRelatedError, task.Result);
        Assert.Equal(VMErrorCodes.E_DISK_FULL, task.Error);
        Assert.Contains(child, task.ErrorDescription, StringComparison.Ordinal);
        Assert.Contains("No space left on device", task.ErrorDescription, StringComparison.Ordinal);
        Assert.True(task.PercentCompleted < 100);
        AssertOnlyParentLeft();
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Every_call_after_shutdown_is_refused(Personality personality)
    {
        await using Host host = Host.Open(personality);
        IVMHardDisk disk = host.GetHardDisk(_parent);
        host.Shutdown();
        int down = VMErrorCodes.VM_E_APP_SHUTTING_DOWN;
        ErrorTableTests.AssertRefused(down, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
        ErrorTableTests.AssertRefused(down, () => host.CreateDynamic(_temp.File("dyn.vhd"), 16));
        ErrorTableTests.AssertRefused(down, () => host.CreateFixed(_temp.File("fixed.vhd"), 16));
        ErrorTableTests.AssertRefused(down, () => host.GetHardDisk(_parent));
        ErrorTableTests.AssertRefused(down, () => host.GetHardDiskFiles());
        ErrorTableTests.AssertRefused(down, () => _ = host.SearchPaths);
        ErrorTableTests.AssertRefused(down, () => host.SearchPaths = [_temp.Path]);
        ErrorTableTests.AssertRefused(down, () => _ = host.Tasks);
        ErrorTableTests.AssertRefused(down, () => _ = disk.Type);
        ErrorTableTests.AssertRefused(down, () => _ = disk.Parent);
        host.Shutdown(); // a second shutdown is harmless
        AssertOnlyParentLeft();
    }

    [Theory]
    [InlineData(Personality.VirtualServer, VMTaskResult.Cancelled)]
    [InlineData(Personality.VirtualPC, VMTaskResult.ShutdownAbort)]
    public async Task Shutdown_cancels_a_task_that_outlives_the_grace_period(Personality personality, VMTaskResult expected)
    {
        Host host = GatedHost(personality, TimeSpan.FromMilliseconds(50));
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        WaitUntilWriting();
        ValueTask shutdown = host.DisposeAsync();
        Assert.True(((VMTask)task).CancellationToken.WaitHandle.WaitOne(10_000), "shutdown did not cancel the task");
        _gate.Set();
        await shutdown;
        Assert.True(task.IsComplete);
        Assert.Equal(expected, task.Result);
        Assert.Equal(VMErrorCodes.VM_E_APP_SHUTTING_DOWN, task.Error);
        AssertOnlyParentLeft();
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Shutdown_lets_a_task_finish_within_the_grace_period(Personality personality)
    {
        Host host = GatedHost(personality, TimeSpan.FromSeconds(30));
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        WaitUntilWriting();
        ValueTask shutdown = host.DisposeAsync();
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_APP_SHUTTING_DOWN, () => host.CreateDifferencing(_temp.File("other.vhd"), _parent));
        _gate.Set();
        await shutdown;
        Assert.Equal(VMTaskResult.Success, task.Result);
        Assert.True(File.Exists(_temp.File("child.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task A_hundred_children_of_one_parent_at_once_all_succeed_with_distinct_ids(Personality personality)
    {
        await using Host host = Host.Open(personality);
        IVMTask[] tasks = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            Task.Run(() => host.CreateDifferencing(_temp.File($"children/child{i:D3}.vhd"), _parent))));
        foreach (IVMTask task in tasks)
        {
            Assert.True(task.WaitForCompletion(60_000));
            Assert.True(task.Result == VMTaskResult.Success, task.ErrorDescription);
        }

        Assert.Equal(100, tasks.Select(t => t.ID).Distinct().Count());
        using VhdImage parent = VhdImage.Open(_parent);
        var ids = new HashSet<Guid>();
        for (int i = 0; i < 100; i++)
        {
            using VhdImage child = VhdImage.Open(_temp.File($"children/child{i:D3}.vhd"));
            Assert.Equal(parent.UniqueId, child.Header!.Value.ParentUniqueId);
            Assert.True(ids.Add(child.UniqueId));
        }

        Assert.Equal(100, Directory.GetFiles(_temp.File("children")).Length);
    }

    [Fact]
    public async Task Tasks_lists_running_and_recently_finished_tasks()
    {
        await using Host host = Host.Open(Personality.VirtualServer);
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        Assert.Contains(task, host.Tasks);
        await task;
        Assert.Contains(task, host.Tasks);
        Assert.Contains(_temp.File("child.vhd"), task.Description, StringComparison.Ordinal);

        await using Host forgetful = Host.Open(Personality.VirtualServer, options: VMServiceOptions.Default with { TaskRetention = TimeSpan.Zero });
        IVMTask done = forgetful.CreateDifferencing(_temp.File("child2.vhd"), _parent);
        await done;
        Assert.DoesNotContain(done, forgetful.Tasks);
    }

    private Host GatedHost(Personality personality, TimeSpan? grace = null) =>
        Host.Open(personality, options: VMServiceOptions.Default with
        {
            ShutdownGracePeriod = grace ?? TimeSpan.FromSeconds(30),
            WrapTemporary = storage => _storage = new FaultStorage(storage) { Gate = _gate },
        });

    private void WaitUntilWriting()
    {
        SpinWait.SpinUntil(() => _storage is not null, 10_000);
        Assert.True(_storage!.Writing.Wait(10_000), "the task never began writing");
    }

    private void AssertOnlyParentLeft() =>
        Assert.Equal([_parent], Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories));

    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
