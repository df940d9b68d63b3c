using System.Text;
using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>
/// The seed's two format rows (REFERENCE §1): VM_E_IMAGE_SIZE_TOO_LARGE for FAT16 at 2000 MB or more,
/// VM_E_IMAGE_SIZE_TOO_SMALL for FAT32 below 514 MB, at their edges, per personality; and that an accepted disk
/// arrives with the file system it was asked for.
/// </summary>
public sealed class DiskFormatTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<Personality> Both => [Personality.VirtualServer, Personality.VirtualPC];

    [Theory]
    [MemberData(nameof(Both))]
    public async Task FAT16_at_2000_MB_is_refused_with_VM_E_IMAGE_SIZE_TOO_LARGE_and_1999_MB_is_made(Personality personality)
    {
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, () => host.CreateDynamic(_temp.File("large.vhd"), 2000, VMDiskFormat.FAT16));
        Assert.False(File.Exists(_temp.File("large.vhd")));

        IVMTask task = host.CreateDynamic(_temp.File("edge.vhd"), 1999, VMDiskFormat.FAT16);
        await task;
        Assert.Equal(VMTaskResult.Success, task.Result);
        Assert.Equal("FAT16   ", FileSystemType(_temp.File("edge.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task FAT32_at_513_MB_is_refused_with_VM_E_IMAGE_SIZE_TOO_SMALL_and_514_MB_is_made(Personality personality)
    {
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateDynamic(_temp.File("small.vhd"), 513, VMDiskFormat.FAT32));
        Assert.False(File.Exists(_temp.File("small.vhd")));

        IVMTask task = host.CreateDynamic(_temp.File("edge.vhd"), 514, VMDiskFormat.FAT32);
        await task;
        Assert.Equal(VMTaskResult.Success, task.Result);
        Assert.Equal("FAT32   ", FileSystemType(_temp.File("edge.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task The_fixed_disk_call_enforces_the_same_rows(Personality personality)
    {
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, () => host.CreateFixed(_temp.File("f16.vhd"), 2000, VMDiskFormat.FAT16));
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateFixed(_temp.File("f32.vhd"), 513, VMDiskFormat.FAT32));
        IVMTask task = host.CreateFixed(_temp.File("small16.vhd"), 8, VMDiskFormat.FAT16);
        await task;
        Assert.Equal("FAT16   ", FileSystemType(_temp.File("small16.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task The_format_rows_come_in_the_documented_order_before_the_target_checks(Personality personality)
    {
        await using Host host = Host.Open(personality);
        File.WriteAllText(_temp.File("exists.vhd"), "x");

        // Size before E_ALREADY_EXISTS (the size rows precede the target's).
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, () => host.CreateDynamic(_temp.File("exists.vhd"), 2000, VMDiskFormat.FAT16));
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateDynamic(_temp.File("exists.vhd"), 513, VMDiskFormat.FAT32));

        // E_INVALIDARG (size or format) before the size rows.
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALIDARG, () => host.CreateDynamic(_temp.File("new.vhd"), 0, VMDiskFormat.FAT32));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALIDARG, () => host.CreateDynamic(_temp.File("new.vhd"), 2000, (VMDiskFormat)7));

        // The general size rows apply to formatted disks too; an unformatted disk has neither FAT row.
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, () => host.CreateDynamic(_temp.File("new.vhd"), 2_088_961, VMDiskFormat.FAT32));
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateDynamic(_temp.File("new.vhd"), 2, VMDiskFormat.FAT16));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_ALREADY_EXISTS, () => host.CreateDynamic(_temp.File("exists.vhd"), 2000, VMDiskFormat.Unformatted));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task FAT16_below_6_MB_is_refused_with_VM_E_IMAGE_SIZE_TOO_SMALL(Personality personality)
    {
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateDynamic(_temp.File("five.vhd"), 5, VMDiskFormat.FAT16));
        IVMTask task = host.CreateDynamic(_temp.File("six.vhd"), 6, VMDiskFormat.FAT16);
        await task;
        Assert.Equal("FAT16   ", FileSystemType(_temp.File("six.vhd")));
    }

    [Fact]
    public async Task A_formatted_disk_from_the_automation_API_is_clean_in_fsck_fat()
    {
        await using Host host = Host.Open(Personality.VirtualServer);
        IVMTask task = host.CreateDynamic(_temp.File("data.vhd"), 514, VMDiskFormat.FAT32);
        await task;
        (_, string partition) = FatPeers.Extract(_temp.File("data.vhd"));
        ProcessResult fsck = FatPeers.Fsck(partition);
        Assert.True(fsck.ExitCode == 0, fsck.Stdout + fsck.Stderr);
    }

    /// <summary>The type string of the volume at 1 MiB: FAT16's at byte 54, FAT32's at 82.</summary>
    private static string FileSystemType(string path)
    {
        using VirtualDisk disk = VirtualDisk.Open(path);
        var boot = new byte[512];
        disk.Read(boot, FatPeers.PartitionOffset);
        string fat32 = Encoding.ASCII.GetString(boot, 82, 8);
        return fat32.StartsWith("FAT32", StringComparison.Ordinal) ? fat32 : Encoding.ASCII.GetString(boot, 54, 8);
    }
}
