using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>GetHardDisk, VMHardDisk's properties and its Parent (get, and set: reconnecting a child to a moved parent).</summary>
public sealed class HardDiskTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _parent;

    public HardDiskTests()
    {
        _parent = TestImages.Dynamic(_temp.File("vms/base.vhd"));
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<Personality> Both => ErrorTableTests.Both;

    [Theory]
    [MemberData(nameof(Both))]
    public async Task GetHardDisk_refuses_bad_paths_missing_files_and_non_VHDs(Personality personality)
    {
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_POINTER, () => host.GetHardDisk(null));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.GetHardDisk("vms/base.vhd"));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALID_NAME, () => host.GetHardDisk(_temp.File("a|b.vhd")));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_FILE_NOT_FOUND, () => host.GetHardDisk(_temp.File("missing.vhd")));
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_INVALID_HD_FILE, () => host.GetHardDisk(TestImages.Corrupt(_temp.File("corrupt.vhd"))));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task A_disk_reached_through_a_symbolic_link_reports_the_file_s_size_on_host(Personality personality)
    {
        await using Host host = Host.Open(personality);
        await host.CreateFixed(_temp.File("fixed.vhd"), 4);
        string link = _temp.File("link.vhd");
        File.CreateSymbolicLink(link, _temp.File("fixed.vhd"));

        Assert.Equal((4 * TestImages.MiB) + 512, host.GetHardDisk(link).SizeOnHost);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Created_disks_report_type_sizes_free_space_and_parent(Personality personality)
    {
        await using Host host = Host.Open(personality, new FakeHostProbe { FreeBytes = 123L << 30 });
        await host.CreateDynamic(_temp.File("dyn.vhd"), 32);
        await host.CreateFixed(_temp.File("fixed.vhd"), 4);
        await host.CreateDifferencing(_temp.File("child.vhd"), _parent);

        IVMHardDisk dynamic = host.GetHardDisk(_temp.File("dyn.vhd"));
        Assert.Equal(VMHardDiskType.Dynamic, dynamic.Type);
        Assert.Equal(32 * TestImages.MiB, dynamic.SizeInGuest);
        Assert.Equal(new FileInfo(_temp.File("dyn.vhd")).Length, dynamic.SizeOnHost);
        Assert.Equal(123L << 30, dynamic.HostFreeDiskSpace);
        Assert.Null(dynamic.Parent);

        IVMHardDisk fixedSize = host.GetHardDisk(_temp.File("fixed.vhd"));
        Assert.Equal(VMHardDiskType.FixedSize, fixedSize.Type);
        Assert.Equal((4 * TestImages.MiB) + 512, fixedSize.SizeOnHost);
        Assert.Null(fixedSize.Parent);

        IVMHardDisk child = host.GetHardDisk(_temp.File("child.vhd"));
        Assert.Equal(VMHardDiskType.Differencing, child.Type);
        Assert.Equal(16 * TestImages.MiB, child.SizeInGuest);
        Assert.Equal(_parent, child.Parent!.File);
        Assert.Equal(VMHardDiskType.Dynamic, child.Parent.Type);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Create_dynamic_and_fixed_check_their_path_and_size(Personality personality)
    {
        await using Host host = Host.Open(personality);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_POINTER, () => host.CreateDynamic(null, 16));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.CreateDynamic("dyn.vhd", 16));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALIDARG, () => host.CreateDynamic(_temp.File("dyn.vhd"), 0));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_INVALIDARG, () => host.CreateFixed(_temp.File("fixed.vhd"), -1));
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL, () => host.CreateFixed(_temp.File("fixed.vhd"), 2));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_ALREADY_EXISTS, () => host.CreateFixed(_parent, 16));
        await host.CreateDynamic(_temp.File("new/folder/max.vhd"), 2_088_960);
        Assert.Equal(2040L << 30, host.GetHardDisk(_temp.File("new/folder/max.vhd")).SizeInGuest);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Parent_of_a_child_whose_parent_vanished_is_VM_E_PARENT_PATH_NOT_FOUND(Personality personality)
    {
        await using Host host = Host.Open(personality);
        host.CreateDifferencingOk(_temp.File("vms/child.vhd"), _parent);
        File.Move(_parent, _temp.File("elsewhere.vhd"));
        IVMHardDisk child = host.GetHardDisk(_temp.File("vms/child.vhd"));
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_PARENT_PATH_NOT_FOUND, () => _ = child.Parent);
    }

    [Theory]
    [InlineData(Personality.VirtualServer)]
    [InlineData(Personality.VirtualPC)]
    public async Task Setting_Parent_of_a_child_open_for_writing_is_a_sharing_violation_and_changes_nothing(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string childPath = _temp.File("vms/child.vhd");
        host.CreateDifferencingOk(childPath, _parent);
        byte[] before = File.ReadAllBytes(childPath);
        IVMHardDisk child = host.GetHardDisk(childPath);
        IVMHardDisk parent = host.GetHardDisk(_parent);
        using (VirtualDisk writer = VirtualDisk.Open(childPath))
        {
            VMException e = Assert.Throws<VMException>(() => child.Parent = parent);
            Assert.Equal(VMErrorCodes.E_SHARING_VIOLATION, e.HResult);
        }

        Assert.Equal(before, File.ReadAllBytes(childPath));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Setting_Parent_reconnects_a_child_to_its_moved_parent(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string childPath = _temp.File("vms/child.vhd");
        host.CreateDifferencingOk(childPath, _parent);
        string moved = _temp.File("store/renamed-base.vhd");
        Directory.CreateDirectory(_temp.File("store"));
        File.Move(_parent, moved);
        File.SetLastWriteTimeUtc(moved, new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        byte[] before = File.ReadAllBytes(childPath);

        IVMHardDisk child = host.GetHardDisk(childPath);
        child.Parent = host.GetHardDisk(moved);

        Assert.Equal(moved, child.Parent!.File);
        using VhdImage relinked = VhdImage.Open(childPath);
        DynamicHeader header = relinked.Header!.Value;
        Assert.Equal("renamed-base.vhd", header.ParentName);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero), header.ParentModifiedAt);
        Assert.Equal(@"..\store\renamed-base.vhd", relinked.Locators.Single(l => l.Platform == ParentLocatorPlatform.W2ru).Text);
        // Relinked in place: the new header and locator texts went past the old end, and the footers name the new
        // header; nothing else in the footer changed, and the copy at 0 equals the end footer.
        byte[] after = File.ReadAllBytes(childPath);
        VhdFooter old = VhdFooter.Parse(before);
        Assert.Equal(old with { DataOffset = relinked.Footer.DataOffset, Checksum = relinked.Footer.Checksum, ComputedChecksum = relinked.Footer.ComputedChecksum }, relinked.Footer);
        Assert.Equal(after.AsSpan(0, 512).ToArray(), after.AsSpan(after.Length - 512).ToArray());
        using VhdChain chain = VhdChain.Open(childPath);
        Assert.Empty(chain.Warnings);
        Assert.Equal([childPath], Directory.GetFiles(_temp.File("vms")));

        PeerTools.Require("vhdiinfo");
        Assert.Matches(@"Parent filename\s*:\s*renamed-base\.vhd", PeerTools.RunOk("vhdiinfo", childPath));
    }

    [Fact]
    public async Task Setting_Parent_to_a_far_path_appends_locator_space_that_the_old_entry_cannot_hold()
    {
        await using Host host = Host.Open(Personality.VirtualServer);
        string deep = _temp.File(string.Join('/', Enumerable.Repeat("d", 60)));
        string childPath = Path.Combine(deep, "child.vhd");
        host.CreateDifferencingOk(childPath, _parent);
        long oldLength = new FileInfo(childPath).Length;
        string far = _temp.File(new string('p', 120) + "/base.vhd");
        Directory.CreateDirectory(Path.GetDirectoryName(far)!);
        File.Copy(_parent, far);

        host.GetHardDisk(childPath).Parent = host.GetHardDisk(far);

        using VhdImage relinked = VhdImage.Open(childPath);
        ParentLocator w2ru = relinked.Locators.Single(l => l.Platform == ParentLocatorPlatform.W2ru);
        Assert.True(w2ru.Text!.Length > 256, $"{w2ru.Text.Length} characters");
        Assert.True((long)w2ru.Entry.PlatformDataOffset >= oldLength - 512);
        File.Delete(_parent);
        using VhdChain chain = VhdChain.Open(childPath);
        Assert.Equal(far, Path.GetFullPath(chain.Links[1].Image.Path));
        Assert.Equal("W2ru", chain.Links[1].FoundVia!.Source);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task Setting_Parent_to_another_disk_is_VM_E_PARENT_CHILD_ID_MISMATCH_and_changes_nothing(Personality personality)
    {
        await using Host host = Host.Open(personality);
        string childPath = _temp.File("vms/child.vhd");
        host.CreateDifferencingOk(childPath, _parent);
        string stranger = TestImages.Dynamic(_temp.File("vms/stranger.vhd"));
        byte[] before = File.ReadAllBytes(childPath);
        IVMHardDisk child = host.GetHardDisk(childPath);

        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_PARENT_CHILD_ID_MISMATCH, () => child.Parent = host.GetHardDisk(stranger));
        ErrorTableTests.AssertRefused(VMErrorCodes.E_POINTER, () => child.Parent = null);
        ErrorTableTests.AssertRefused(VMErrorCodes.VM_E_WRONG_HD_IMAGE_TYPE, () => host.GetHardDisk(_parent).Parent = host.GetHardDisk(stranger));
        Assert.Equal(before, File.ReadAllBytes(childPath));
    }

    [Theory]
    [MemberData(nameof(Both))]
    public async Task SearchPaths_and_GetHardDiskFiles(Personality personality)
    {
        await using Host host = Host.Open(personality);
        Assert.Empty(host.SearchPaths);
        File.WriteAllText(_temp.File("vms/notes.txt"), "not a disk");
        TestImages.Dynamic(_temp.File("vms/sub/nested.vhd"));
        TestImages.Dynamic(_temp.File("more/UPPER.VHD"));

        host.SearchPaths = [_temp.File("vms") + "/", _temp.File("missing")];
        Assert.Equal([_temp.File("vms") + "/", _temp.File("missing")], host.SearchPaths);
        Assert.Equal([_parent], host.GetHardDiskFiles());
        Assert.Equal([_temp.File("more/UPPER.VHD"), _parent], host.GetHardDiskFiles([_temp.File("more"), _temp.File("vms")]));

        ErrorTableTests.AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.SearchPaths = ["relative"]);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_POINTER, () => host.SearchPaths = null!);
        ErrorTableTests.AssertRefused(VMErrorCodes.E_BAD_PATHNAME, () => host.GetHardDiskFiles(["relative"]));
    }
}
