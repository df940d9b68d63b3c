using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class CheckTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Clean_images_of_every_type_check_clean_alone_and_as_a_chain()
    {
        string fixedDisk = ImageFiles.Fixed(_folder.File("fixed.vhd"));
        string dynamic = ImageFiles.Dynamic(_folder.File("dynamic.vhd"), 3 * ImageFiles.MiB, 512 * 1024);
        string parent = ImageFiles.Dynamic(_folder.File("parent.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        using (VhdImage image = VhdImage.Open(child, new VhdOpenOptions { Writable = true }))
        {
            image.WriteSectors(new byte[3 * 512], 2 * ImageFiles.MiB);
            image.Flush();
        }

        foreach (string file in new[] { fixedDisk, dynamic, parent, child })
        {
            AssertNoFaults(CheckOperation.Run(new CheckRequest(file)));
            AssertNoFaults(CheckOperation.Run(new CheckRequest(file) { Chain = true }));
        }
    }

    [SkippableTheory]
    [InlineData("dynamic")]
    [InlineData("fixed")]
    public void Images_made_by_qemu_img_check_clean(string subformat)
    {
        string qemu = PeerTools.Require("qemu-img");
        string file = _folder.File($"qemu-{subformat}.vhd");
        PeerTools.RunOk(qemu, "create", "-f", "vpc", "-o", $"subformat={subformat}", file, "10M");
        if (subformat == "dynamic")
        {
            PeerTools.RunOk(PeerTools.Require("qemu-io"), "-f", "vpc", "-c", "write -P 0x5a 1M 64k", file);
        }

        AssertNoFaults(CheckOperation.Run(new CheckRequest(file)));
    }

    [Fact]
    public void Every_fault_code_has_a_fixture()
    {
        foreach (FaultCode code in Enum.GetValues<FaultCode>())
        {
            using var folder = new TempFolder();
            CheckFixtures.Build(code, folder.Path);
        }
    }

    [Theory]
    [MemberData(nameof(CheckFixtures.AllCodes), MemberType = typeof(CheckFixtures))]
    public void Each_corrupted_fixture_shows_its_fault_code(FaultCode code)
    {
        string file = CheckFixtures.Build(code, _folder.Path);
        CheckResult report = CheckOperation.Run(CheckFixtures.RequestFor(file, code));
        CheckFault fault = Assert.Single(report.Faults, f => f.Code == code);
        Assert.Equal(CheckFixtures.Repairable.Contains(code) || CheckFixtures.VhdxRepairable.Contains(code), fault.Repairable);
        Assert.False(string.IsNullOrWhiteSpace(fault.Structure));
        if (fault.Severity == FaultSeverity.Error)
        {
            Assert.False(report.IsClean);
        }
        if (!CheckFixtures.ChainCodes.Contains(code))
        {
            Assert.InRange(fault.Offset, 0, new FileInfo(file).Length);
            Assert.Equal(file, fault.File);
        }
    }

    [Fact]
    public void Faults_are_all_listed_not_just_the_first()
    {
        string file = ImageFiles.Dynamic(_folder.File("many.vhd"));
        ImageFiles.PatchFooter(file, f => f with { Features = FooterFeatures.None, SavedState = 1, Geometry = new DiskGeometry(1000, 16, 63) });
        ImageFiles.WriteBigEndian(file, 512 + 36, 0x12345678);
        ImageFiles.WriteBigEndian(file, 1536, 1);
        ImageFiles.WriteBigEndian(file, 1540, 0x00FFFFFF);
        CheckResult report = CheckOperation.Run(new CheckRequest(file));
        FaultCode[] codes = [.. report.Faults.Select(f => f.Code)];
        Assert.Equal(
            [FaultCode.FooterFeatures, FaultCode.FooterGeometry, FaultCode.FooterSavedState, FaultCode.HeaderChecksum, FaultCode.BatEntryPastEnd, FaultCode.BatEntryInMetadata],
            codes.Order().ToArray());
        Assert.False(report.IsClean);
        Assert.False(report.IsRepairable);
    }

    [Fact]
    public void A_hostile_image_is_checked_in_bounded_memory()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("hostile.vhd"), parent);
        ImageFiles.PatchFooter(child, f => f with { CurrentSize = (ulong)VhdConstants.MaximumDiskSize });
        ImageFiles.PatchHeader(child, h => h with
        {
            MaxTableEntries = uint.MaxValue,
            ParentLocators = h.ParentLocators.SetItem(0, h.ParentLocators[0] with { PlatformDataLength = uint.MaxValue, PlatformDataSpace = uint.MaxValue }),
        });
        string tinyBlocks = ImageFiles.Dynamic(_folder.File("tiny.vhd"));
        ImageFiles.PatchFooter(tinyBlocks, f => f with { CurrentSize = (ulong)VhdConstants.MaximumDiskSize });
        ImageFiles.PatchHeader(tinyBlocks, h => h with { MaxTableEntries = uint.MaxValue, BlockSize = 512 });

        CheckOperation.Run(new CheckRequest(child));
        CheckOperation.Run(new CheckRequest(tinyBlocks));
        long before = GC.GetAllocatedBytesForCurrentThread();
        CheckResult report = CheckOperation.Run(new CheckRequest(child));
        CheckResult tiny = CheckOperation.Run(new CheckRequest(tinyBlocks));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(report.Faults, f => f.Code is FaultCode.HeaderMaxTableEntries or FaultCode.HeaderTableOffset);
        Assert.Contains(report.Faults, f => f.Code == FaultCode.LocatorDataTooLong);
        Assert.Contains(tiny.Faults, f => f.Code == FaultCode.HeaderMaxTableEntries);
        Assert.True(allocated < 1024 * 1024, $"checking two hostile images allocated {allocated} bytes");
    }

    [Fact]
    public void A_bat_full_of_bad_entries_lists_a_bounded_number_of_faults()
    {
        string file = ImageFiles.Dynamic(_folder.File("bad-bat.vhd"), 64 * ImageFiles.MiB, 512 * 1024);
        for (int block = 0; block < 128; block++)
        {
            ImageFiles.WriteBigEndian(file, 1536 + (block * 4L), 0x00F00000 + (uint)block);
        }

        CheckResult report = CheckOperation.Run(new CheckRequest(file) { MaxFaultsPerCode = 10 });
        Assert.Equal(11, report.Faults.Count(f => f.Code == FaultCode.BatEntryPastEnd));
        Assert.Contains("118 more", report.Faults[^1].Message, StringComparison.Ordinal);
        Assert.True(report.IsRepairable);
    }

    private static void AssertNoFaults(CheckResult report) =>
        Assert.True(report.Faults.IsEmpty, string.Join(Environment.NewLine, report.Faults.Select(f => $"{f.Code}: {f.Message}")));
}
