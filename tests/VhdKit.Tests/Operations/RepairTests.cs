using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class RepairTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(CheckFixtures.RepairableCodes), MemberType = typeof(CheckFixtures))]
    public void Repair_fixes_each_repairable_fault_and_the_image_then_checks_clean(FaultCode code)
    {
        string file = CheckFixtures.Build(code, _folder.Path);
        Assert.True(CheckOperation.Run(new CheckRequest(file)).Faults.Single(f => f.Code == code).Repairable);

        var actions = RepairOperation.Run(new RepairRequest(file)).Actions;

        Assert.NotEmpty(actions);
        CheckResult after = CheckOperation.Run(new CheckRequest(file));
        Assert.True(after.Faults.IsEmpty, string.Join("; ", after.Faults.Select(f => $"{f.Code}: {f.Message}")));
        using VhdImage image = VhdImage.Open(file);
        Assert.Empty(image.Warnings);
    }

    [Theory]
    [MemberData(nameof(CheckFixtures.RepairableCodes), MemberType = typeof(CheckFixtures))]
    public void A_dry_run_lists_the_actions_and_changes_nothing(FaultCode code)
    {
        string file = CheckFixtures.Build(code, _folder.Path);
        byte[] before = File.ReadAllBytes(file);

        var planned = RepairOperation.Run(new RepairRequest(file) { DryRun = true }).Actions;

        Assert.NotEmpty(planned);
        Assert.Equal(before, File.ReadAllBytes(file));
        Assert.Equal(planned.Select(a => a.Kind), RepairOperation.Run(new RepairRequest(file)).Actions.Select(a => a.Kind));
    }

    [Theory]
    [InlineData(FaultCode.HeaderCookie)]
    [InlineData(FaultCode.FooterVersion)]
    [InlineData(FaultCode.BatEntryInMetadata)]
    [InlineData(FaultCode.LocatorDataOutsideFile)]
    public void Repair_leaves_unrepairable_faults_and_their_bytes_alone(FaultCode code)
    {
        string file = CheckFixtures.Build(code, _folder.Path);
        byte[] before = File.ReadAllBytes(file);

        Assert.Empty(RepairOperation.Run(new RepairRequest(file)).Actions);

        Assert.Equal(before, File.ReadAllBytes(file));
        Assert.Contains(CheckOperation.Run(new CheckRequest(file)).Faults, f => f.Code == code);
    }

    [Fact]
    public void A_crash_between_block_data_and_the_bat_leaves_an_orphan_tail_that_repair_cuts_keeping_the_content()
    {
        var builder = new ChainBuilder(_folder.Path, 8 * ImageFiles.MiB, seed: 5);
        string file = builder.AddLayer(writes: 6);
        long length = new FileInfo(file).Length;

        // What an interrupted allocation leaves: a block's worth of bytes past the old end and a zeroed end footer.
        ImageFiles.WriteRaw(file, length - 512, new byte[(2 * ImageFiles.MiB) + 4096 + 512]);
        CheckResult report = CheckOperation.Run(new CheckRequest(file));
        Assert.Equal([FaultCode.EndFooterMissing, FaultCode.OrphanTail], report.Faults.Select(f => f.Code));
        Assert.True(report.IsClean, "the copy at offset 0 stands in for the end footer: the image opens");
        Assert.All(report.Faults, f => Assert.True(f.Repairable));

        RepairOperation.Run(new RepairRequest(file));

        Assert.True(CheckOperation.Run(new CheckRequest(file)).Faults.IsEmpty);
        Assert.Equal(length, new FileInfo(file).Length);
        using VirtualDisk disk = VirtualDisk.Open(file, new VirtualDiskOptions { ReadOnly = true });
        ChainBuilder.AssertContent(builder.Model, disk);
    }

    [Fact]
    public void A_clean_image_needs_no_repair()
    {
        string file = ImageFiles.Dynamic(_folder.File("clean.vhd"));
        byte[] before = File.ReadAllBytes(file);
        Assert.Empty(RepairOperation.Run(new RepairRequest(file)).Actions);
        Assert.Equal(before, File.ReadAllBytes(file));
    }
}
