using VhdKit.Automation;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>One test per row of REFERENCE §1's table, per personality where the row applies, asserting the exact HRESULT.</summary>
public sealed class ErrorTableTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _parent;

    public ErrorTableTests()
    {
        _parent = TestImages.Dynamic(_temp.File("base.vhd"));
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<Personality> Both => [Personality.VirtualServer, Personality.VirtualPC];

    internal static void AssertRefused(int expected, Action call)
    {
        VMException e = Assert.Throws<VMException>(call);
        Assert.True(expected == e.HResult, $"expected {VMErrorCodes.Describe(expected)}, was {VMErrorCodes.Describe(e.HResult)}: {e.Message}");
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task S_OK_creates_the_child(Personality personality)
    {
        await using Host host = Host.Open(personality);
        IVMTask task = host.CreateDifferencing(_temp.File("child.vhd"), _parent);
        await task;
        Assert.Equal(VMTaskResult.Success, task.Result);
        Assert.Equal(VMErrorCodes.S_OK, task.Error);
        Assert.True(File.Exists(_temp.File("child.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_POINTER_when_imagePath_or_parentPath_is_null(Personality personality)
    {
        await using Host host = Host.Open(personality);
        AssertRefused(VMErrorCodes.E_POINTER, () => host.CreateDifferencing(null, _parent));
        AssertRefused(VMErrorCodes.E_POINTER, () => host.CreateDifferencing(_temp.File("child.vhd"), null));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_PATH_NOT_FOUND_when_the_parent_is_missing_or_a_folder(Personality personality)
    {
        await using Host host = Host.Open(personality);
        AssertRefused(VMErrorCodes.E_PATH_NOT_FOUND, () => host.CreateDifferencing(_temp.File("child.vhd"), _temp.File("missing.vhd")));
        Directory.CreateDirectory(_temp.File("folder.vhd"));
        AssertRefused(VMErrorCodes.E_PATH_NOT_FOUND, () => host.CreateDifferencing(_temp.File("child.vhd"), _temp.File("folder.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task VM_E_HD_IMAGE_OPEN_FAIL_when_the_parent_is_the_target_of_an_interrupted_merge(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string parent = Path.GetFullPath(_parent);
        VhdKit.Operations.MergeJournal.Write(parent, [_temp.File("merged.vhd")], Guid.NewGuid());
        AssertRefused(VMErrorCodes.VM_E_HD_IMAGE_OPEN_FAIL, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
        Assert.False(File.Exists(_temp.File("child.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_PATH_NOT_FOUND_when_a_file_stands_where_the_image_folder_must_be(Personality personality)
    {
        await using Host host = Host.Open(personality);
        File.WriteAllText(_temp.File("blocker"), "a file, not a folder");
        AssertRefused(VMErrorCodes.E_PATH_NOT_FOUND, () => host.CreateDifferencing(_temp.File("blocker/sub/child.vhd"), _parent));
    }

    [Fact]
    public async Task ERROR_INVALID_DRIVE_Virtual_PC_refuses_optical_media()
    {
        await using Host host = Host.Open(Personality.VirtualPC, new FakeHostProbe { Optical = true, FileSystem = "iso9660" });
        AssertRefused(VMErrorCodes.ERROR_INVALID_DRIVE, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
    }

    [Fact]
    public async Task ERROR_INVALID_DRIVE_Virtual_PC_refuses_a_read_only_volume()
    {
        await using Host host = Host.Open(Personality.VirtualPC, new FakeHostProbe { ReadOnly = true });
        AssertRefused(VMErrorCodes.ERROR_INVALID_DRIVE, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
    }

    [Fact]
    public async Task ERROR_INVALID_DRIVE_is_not_a_Virtual_Server_check()
    {
        // The probe says optical, the folder is writable: Virtual Server does not ask, so the creation goes ahead.
        await using Host host = Host.Open(Personality.VirtualServer, new FakeHostProbe { Optical = true, ReadOnly = true });
        host.CreateDifferencingOk(_temp.File("child.vhd"), _parent);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_INVALID_NAME_when_a_name_holds_a_forbidden_character(Personality personality)
    {
        await using Host host = Host.Open(personality);
        AssertRefused(VMErrorCodes.E_INVALID_NAME, () => host.CreateDifferencing(_temp.File("ch*ld.vhd"), _parent));
        AssertRefused(VMErrorCodes.E_INVALID_NAME, () => host.CreateDifferencing(_temp.File("child.vhd"), _temp.File("ba?e.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_BUFFER_OVERFLOW_when_a_resolved_path_is_260_characters_or_longer(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string longName = new('a', 250);
        AssertRefused(VMErrorCodes.E_BUFFER_OVERFLOW, () => host.CreateDifferencing(_temp.File(longName + ".vhd"), _parent));
        AssertRefused(VMErrorCodes.E_BUFFER_OVERFLOW, () => host.CreateDifferencing(_temp.File("child.vhd"), _temp.File(longName + ".vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_BAD_PATHNAME_when_both_paths_are_relative_or_empty(Personality personality)
    {
        await using Host host = Host.Open(personality);
        AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.CreateDifferencing("child.vhd", "base.vhd"));
        AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.CreateDifferencing("", ""));
        AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.CreateDifferencing("", "base.vhd"));
        AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.CreateDifferencing("", _parent));
        AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.CreateDifferencing(_temp.Path + "/", _parent));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_ALREADY_EXISTS_when_the_image_exists(Personality personality)
    {
        await using Host host = Host.Open(personality);
        File.WriteAllText(_temp.File("child.vhd"), "keep me");
        AssertRefused(VMErrorCodes.E_ALREADY_EXISTS, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
        AssertRefused(VMErrorCodes.E_ALREADY_EXISTS, () => host.CreateDifferencing(_parent, _parent));
        Assert.Equal("keep me", File.ReadAllText(_temp.File("child.vhd")));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task E_DISK_FULL_below_8_MB_free_and_not_at_8_MB(Personality personality)
    {
        await using (Host host = Host.Open(personality, new FakeHostProbe { FreeBytes = (8 * TestImages.MiB) - 1 }))
        {
            AssertRefused(VMErrorCodes.E_DISK_FULL, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
        }

        await using (Host host = Host.Open(personality, new FakeHostProbe { FreeBytes = 8 * TestImages.MiB }))
        {
            host.CreateDifferencingOk(_temp.File("child.vhd"), _parent);
        }
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task VM_E_IMAGE_SIZE_TOO_LARGE_for_a_parent_above_2040_GiB(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string huge = TestImages.SparseFixed(_temp.File("huge.vhd"), (2040L * 1024 * TestImages.MiB) + TestImages.MiB);
        AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, () => host.CreateDifferencing(_temp.File("child.vhd"), huge));
        AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_LARGE, () => host.CreateDynamic(_temp.File("big.vhd"), 2_088_961));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task VM_E_IMAGE_SIZE_TOO_SMALL_for_a_parent_below_3_MB(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string tiny = TestImages.SparseFixed(_temp.File("tiny.vhd"), TestImages.MiB);
        AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateDifferencing(_temp.File("child.vhd"), tiny));
        AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateDynamic(_temp.File("small.vhd"), 2));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task VM_E_FILE_TOO_LARGE_FOR_VOLUME_when_the_child_could_outgrow_FAT(Personality personality)
    {
        string fourGiB = TestImages.Dynamic(_temp.File("4g.vhd"), 4096 * TestImages.MiB);
        string threeGiB = TestImages.Dynamic(_temp.File("3g.vhd"), 3072 * TestImages.MiB);
        await using (Host fat32 = Host.Open(personality, new FakeHostProbe { FileSystem = "vfat" }))
        {
            AssertRefused(VMErrorCodes.VM_E_FILE_TOO_LARGE_FOR_VOLUME, () => fat32.CreateDifferencing(_temp.File("child.vhd"), fourGiB));
            fat32.CreateDifferencingOk(_temp.File("child3.vhd"), threeGiB);
        }

        await using Host fat16 = Host.Open(personality, new FakeHostProbe { FileSystem = "msdos" });
        AssertRefused(VMErrorCodes.VM_E_FILE_TOO_LARGE_FOR_VOLUME, () => fat16.CreateDifferencing(_temp.File("child.vhd"), threeGiB));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task VM_E_APP_SHUTTING_DOWN_after_shutdown(Personality personality)
    {
        await using Host host = Host.Open(personality);
        host.Shutdown();
        AssertRefused(VMErrorCodes.VM_E_APP_SHUTTING_DOWN, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
        Assert.False(File.Exists(_temp.File("child.vhd")));
    }

    [Fact]
    public async Task VM_E_HARDWARE_VIRTUALIZATION_DISABLED_Virtual_PC_only()
    {
        var probe = new FakeHostProbe { HardwareVirtualization = false };
        await using (Host pc = Host.Open(Personality.VirtualPC, probe))
        {
            AssertRefused(VMErrorCodes.VM_E_HARDWARE_VIRTUALIZATION_DISABLED, () => pc.CreateDifferencing(_temp.File("child.vhd"), _parent));
            AssertRefused(VMErrorCodes.VM_E_HARDWARE_VIRTUALIZATION_DISABLED, () => pc.CreateDynamic(_temp.File("dyn.vhd"), 16));
        }

        await using Host server = Host.Open(Personality.VirtualServer, probe);
        server.CreateDifferencingOk(_temp.File("child.vhd"), _parent);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task DISP_E_EXCEPTION_for_an_unexpected_error(Personality personality)
    {
        await using Host host = Host.Open(personality, new FakeHostProbe { Throw = new InvalidOperationException("probe bug") });
        AssertRefused(VMErrorCodes.DISP_E_EXCEPTION, () => host.CreateDifferencing(_temp.File("child.vhd"), _parent));
    }
}
