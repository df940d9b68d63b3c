using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>VMHardDisk.Merge, MergeTo, Convert and Compact: tasks over the library's operations, with the documented codes.</summary>
public sealed class DiskOperationTaskTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<Personality> Both => ErrorTableTests.Both;

    private (string Parent, string Child, byte[] Model) ChainWithData()
    {
        var chain = new ChainBuilder(_temp.Path, 8L * 1024 * 1024, 17);
        chain.AddLayer(3, maxWrite: 1024 * 1024);
        chain.AddLayer(3, maxWrite: 1024 * 1024);
        return (chain.Layers[0], chain.Layers[1], chain.Model);
    }

    private static void AssertSucceeded(IVMTask task)
    {
        Assert.True(task.WaitForCompletion(60_000));
        Assert.True(task.Result == VMTaskResult.Success, $"{task.Result}: {VMErrorCodes.Describe(task.Error)} {task.ErrorDescription}");
        Assert.Equal(100, task.PercentCompleted);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Merge_writes_the_child_into_its_parent(Personality personality)
    {
        (string parent, string child, byte[] model) = ChainWithData();
        await using Host host = Host.Open(personality);
        AssertSucceeded(host.GetHardDisk(child).Merge());
        ChainBuilder.AssertBytes(model, DiskBytes.Of(parent));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Merge_refusals_carry_the_documented_codes(Personality personality)
    {
        (string parent, string child, _) = ChainWithData();
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_WRONG_HD_IMAGE_TYPE, () => host.GetHardDisk(parent).Merge());

        File.SetAttributes(parent, FileAttributes.ReadOnly);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_FILE_READ_ONLY, () => host.GetHardDisk(child).Merge());
        File.SetAttributes(parent, FileAttributes.Normal);

        using (VirtualDisk reader = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }))
        {
            IVMTask inUse = host.GetHardDisk(child).Merge();
            Assert.True(inUse.WaitForCompletion(60_000));
            Assert.Equal((VMTaskResult.DiskRelatedError, VMErrorCodes.E_SHARING_VIOLATION), (inUse.Result, inUse.Error));
        }

        IVMHardDisk disk = host.GetHardDisk(child);
        File.Move(parent, parent + ".moved");
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_PARENT_PATH_NOT_FOUND, () => disk.Merge());
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task MergeTo_and_Convert_flatten_into_a_new_image_and_leave_the_source(Personality personality)
    {
        (_, string child, byte[] model) = ChainWithData();
        byte[] before = File.ReadAllBytes(child);
        await using Host host = Host.Open(personality);
        IVMHardDisk disk = host.GetHardDisk(child);
        AssertSucceeded(disk.MergeTo(_temp.File("out/merged.vhd"), VMHardDiskType.Dynamic));
        AssertSucceeded(disk.Convert(_temp.File("out/fixed.vhd"), VMHardDiskType.FixedSize));
        ChainBuilder.AssertBytes(model, DiskBytes.Of(_temp.File("out/merged.vhd")));
        ChainBuilder.AssertBytes(model, DiskBytes.Of(_temp.File("out/fixed.vhd")));
        Assert.Equal(VMHardDiskType.FixedSize, host.GetHardDisk(_temp.File("out/fixed.vhd")).Type);
        Assert.Null(host.GetHardDisk(_temp.File("out/merged.vhd")).Parent);
        Assert.Equal(before, File.ReadAllBytes(child));

        ErrorTableTests.AssertRefused(VMErrorCodes.E_ALREADY_EXISTS, () => disk.Convert(_temp.File("out/fixed.vhd"), VMHardDiskType.Dynamic));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALIDARG, () => disk.MergeTo(_temp.File("out/x.vhd"), VMHardDiskType.Differencing));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => disk.Convert("relative.vhd", VMHardDiskType.Dynamic));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Compact_shrinks_and_refuses_fixed_disks(Personality personality)
    {
        string path = ImageFiles.Dynamic(_temp.File("d.vhd"));
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[1024 * 1024], 0);
        }

        await using Host host = Host.Open(personality);
        long before = new FileInfo(path).Length;
        AssertSucceeded(host.GetHardDisk(path).Compact());
        Assert.True(new FileInfo(path).Length < before);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_WRONG_HD_IMAGE_TYPE, () => host.GetHardDisk(ImageFiles.Fixed(_temp.File("f.vhd"))).Compact());
    }

    [Fact]
    public async Task VMTask_Cancel_in_the_middle_of_a_merge_loses_nothing_and_merging_again_completes_it()
    {
        (string parent, string child, byte[] model) = ChainWithData();
        byte[] childBefore = File.ReadAllBytes(child);
        await using Host host = Host.Open(Personality.VirtualPC);
        var created = new TaskCompletionSource<IVMTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new CancelWhenProgressing(created.Task);
        IVMTask task = host.GetHardDisk(child).Merge(progress);
        created.SetResult(task);
        Assert.True(task.WaitForCompletion(60_000));
        Assert.Equal(VMTaskResult.Cancelled, task.Result);
        Assert.True(progress.Cancelled);
        Assert.Equal(childBefore, File.ReadAllBytes(child));
        ChainBuilder.AssertBytes(model, DiskBytes.Of(child));

        AssertSucceeded(host.GetHardDisk(child).Merge());
        ChainBuilder.AssertBytes(model, DiskBytes.Of(parent));
    }

    /// <summary>Calls IVMTask.Cancel() from the first progress report below 100 %.</summary>
    private sealed class CancelWhenProgressing(Task<IVMTask> task) : IProgress<int>
    {
        public bool Cancelled { get; private set; }

        public void Report(int value)
        {
            if (!Cancelled && value < 100)
            {
                task.Wait(); // the test publishes the task right after Merge returns
                task.Result.Cancel();
                Cancelled = true;
            }
        }
    }

    [Fact]
    public async Task A_cancelled_conversion_leaves_no_file()
    {
        (_, string child, _) = ChainWithData();
        await using Host host = Host.Open(Personality.VirtualServer);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        IVMTask task = host.GetHardDisk(child).Convert(_temp.File("c/out.vhd"), VMHardDiskType.Dynamic, null, cancel.Token);
        Assert.True(task.WaitForCompletion(60_000));
        Assert.Equal(VMTaskResult.Cancelled, task.Result);
        Assert.False(File.Exists(_temp.File("c/out.vhd")));
    }
}
