using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Tests.Automation;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>The automation API's one extension: an imagePath ending in .vhdx on a VHDX parent creates a VHDX child.</summary>
public class VhdxAutomationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(ErrorTableTests.Both), MemberType = typeof(ErrorTableTests))]
    public async Task A_vhdx_image_path_on_a_vhdx_parent_creates_a_vhdx_child(Personality personality)
    {
        string parent = _folder.File("base.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, 16L << 20);
        await using Host host = Host.Open(personality);
        IVMTask task = host.CreateDifferencing(_folder.File("child.vhdx"), parent);
        Assert.True(task.WaitForCompletion(60_000));
        Assert.True(task.Result == VMTaskResult.Success, $"{task.Result}: {VMErrorCodes.Describe(task.Error)} {task.ErrorDescription}");
        using VirtualDisk disk = VirtualDisk.Open(_folder.File("child.vhdx"), new VirtualDiskOptions { ReadOnly = true });
        Assert.Equal(2, disk.VhdxChain!.Images.Length);
        Assert.Equal(16L << 20, disk.Capacity);
    }

    [Theory]
    [MemberData(nameof(ErrorTableTests.Both), MemberType = typeof(ErrorTableTests))]
    public async Task A_missing_vhdx_parent_keeps_the_seeds_error(Personality personality)
    {
        await using Host host = Host.Open(personality);
        var e = Assert.Throws<VMException>(() => host.CreateDifferencing(_folder.File("child.vhdx"), _folder.File("gone.vhdx")));
        Assert.Equal(VMErrorCodes.E_PATH_NOT_FOUND, e.HResult);
        Assert.False(File.Exists(_folder.File("child.vhdx")));
    }
}
