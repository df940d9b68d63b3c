using VhdKit.Automation;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>
/// The environment checks against real small tmpfs volumes (root only; CI runs as root and must not skip):
/// too little free space, a read-only volume, and a write that really fails with ENOSPC.
/// </summary>
public sealed class RealVolumeTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _parent;

    public RealVolumeTests()
    {
        _parent = TestImages.Dynamic(_temp.File("base.vhd"));
    }

    public void Dispose() => _temp.Dispose();

    [SkippableTheory]
    [InlineData(Personality.VirtualServer)]
    [InlineData(Personality.VirtualPC)]
    public async Task E_DISK_FULL_on_a_4_MiB_tmpfs(Personality personality)
    {
        using Tmpfs volume = Tmpfs.Mount("size=4m");
        HostVolume seen = HostProbe.Instance.GetVolume(volume.Path);
        Assert.Equal("tmpfs", seen.FileSystem);
        Assert.Equal(4 * TestImages.MiB, seen.FreeBytes);

        await using Host host = Host.Open(personality, new FakeHostProbe());
        ErrorTableTests.AssertRefused(VMErrorCodes.E_DISK_FULL, () => host.CreateDifferencing(volume.File("vms/child.vhd"), _parent));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_DISK_FULL, () => host.CreateDynamic(volume.File("dyn.vhd"), 16));
        Assert.Empty(Directory.GetFileSystemEntries(volume.Path));
    }

    [SkippableFact]
    public async Task On_a_6_MiB_tmpfs_the_operation_creates_a_differencing_disk_while_the_automation_api_keeps_its_8_MB_rule()
    {
        using Tmpfs volume = Tmpfs.Mount("size=6m");
        Assert.True(HostProbe.Instance.GetVolume(volume.Path).FreeBytes < 8 * 1000 * 1000);

        // Virtual Server's rule (8 MB free), kept exactly in the adapter.
        await using Host host = Host.Open(Personality.VirtualServer);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_DISK_FULL, () => host.CreateDifferencing(volume.File("api.vhd"), _parent));
        Assert.Empty(Directory.GetFileSystemEntries(volume.Path));

        // The operation applies only real constraints: the file is a few KB and fits.
        CreateResult created = CreateOperation.Run(CreateRequest.Differencing(volume.File("child.vhd"), _parent));
        Assert.Equal(volume.File("child.vhd"), created.Path);
        Assert.InRange(created.FileSize, 1, 64 * 1024);
        using VhdImage child = VhdImage.Open(created.Path);
        Assert.Equal(VhdDiskType.Differencing, child.DiskType);
    }

    [SkippableFact]
    public async Task Fixed_disk_larger_than_the_free_space_is_E_DISK_FULL()
    {
        using Tmpfs volume = Tmpfs.Mount("size=16m");
        await using Host host = Host.Open(Personality.VirtualServer);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_DISK_FULL, () => host.CreateFixed(volume.File("fixed.vhd"), 16));
        await host.CreateFixed(volume.File("fixed.vhd"), 8);
        Assert.True(File.Exists(volume.File("fixed.vhd")));
    }

    [SkippableFact]
    public async Task A_read_only_volume_is_ERROR_INVALID_DRIVE_for_Virtual_PC()
    {
        using Tmpfs volume = Tmpfs.Mount("size=16m,ro");
        Assert.True(HostProbe.Instance.GetVolume(volume.Path).IsReadOnly);
        await using Host host = Host.Open(Personality.VirtualPC, new FakeHostProbe());
        ErrorTableTests.AssertRefused(VMErrorCodes.ERROR_INVALID_DRIVE, () => host.CreateDifferencing(volume.File("child.vhd"), _parent));
        ErrorTableTests.AssertRefused(VMErrorCodes.ERROR_INVALID_DRIVE, () => host.CreateDynamic(volume.File("sub/dyn.vhd"), 16));
    }

    [SkippableFact]
    public async Task A_read_only_volume_fails_the_Virtual_Server_task_instead()
    {
        // Virtual Server's document has no read-only row: the call is accepted and the write fails on the task.
        using Tmpfs volume = Tmpfs.Mount("size=16m");
        volume.Remount("ro");
        await using Host host = Host.Open(Personality.VirtualServer);
        IVMTask task = host.CreateDifferencing(volume.File("child.vhd"), _parent);
        await task.WaitAsync();
        Assert.Equal(VMTaskResult.DiskRelatedError, task.Result);
        Assert.Equal(VMErrorCodes.E_ACCESS_DENIED, task.Error);
        Assert.Contains("Read-only file system", task.ErrorDescription, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(volume.Path));
    }

    [SkippableTheory]
    [InlineData(Personality.VirtualServer)]
    [InlineData(Personality.VirtualPC)]
    public async Task A_real_ENOSPC_during_the_write_is_recorded_on_the_task_and_leaves_no_file(Personality personality)
    {
        using Tmpfs volume = Tmpfs.Mount("size=1m");
        volume.Fill();

        // The probe claims room (as if another process filled the disk after the check): the write itself fails.
        await using Host host = Host.Open(personality, new FakeHostProbe { FreeBytes = 1L << 40 });
        IVMTask task = host.CreateDifferencing(volume.File("child.vhd"), _parent);
        await task.WaitAsync();
        Assert.Equal(VMTaskResult.DiskRelatedError, task.Result);
        Assert.Equal(VMErrorCodes.E_DISK_FULL, task.Error);
        Assert.Contains(volume.File("child.vhd"), task.ErrorDescription, StringComparison.Ordinal);
        Assert.Equal([volume.File("filler")], Directory.GetFileSystemEntries(volume.Path));
    }
}
