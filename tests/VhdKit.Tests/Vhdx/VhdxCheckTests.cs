using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// <c>vhd check</c> of a VHDX: one hand-corrupted image per fault shows its code (and only a check with no error is a
/// file that opens); clean images from VhdKit and from qemu-img check clean, alone and as chains.
/// </summary>
public class VhdxCheckTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(VhdxCheckFixtures.AllCodes), MemberType = typeof(VhdxCheckFixtures))]
    public void Each_corrupted_vhdx_shows_its_fault_code_and_opens_exactly_when_it_has_no_error(FaultCode code)
    {
        string file = VhdxCheckFixtures.Build(code, _folder.Path);
        bool chain = VhdxCheckFixtures.ChainCodes.Contains(code);
        CheckResult report = CheckOperation.Run(new CheckRequest(file) { Chain = chain, MaxChainDepth = code == FaultCode.ChainTooDeep ? 1 : 64 });
        CheckFault fault = Assert.Single(report.Faults, f => f.Code == code);
        Assert.Equal(ImageFormat.Vhdx, report.Format);
        Assert.False(string.IsNullOrWhiteSpace(fault.Message));
        if (!chain)
        {
            Assert.InRange(fault.Offset, 0, Math.Max(new FileInfo(file).Length, 5 * MiB));
            Assert.Equal(file, fault.File);
            bool opens;
            try
            {
                using VhdxImage image = VhdxImage.Open(file);
                opens = true;
            }
            catch (VhdFormatException)
            {
                opens = false;
            }

            Assert.Equal(report.IsClean, opens);
        }
    }

    [Fact]
    public void The_severities_are_those_documented()
    {
        FaultCode[] warnings = [FaultCode.VhdxHeaderDamaged, FaultCode.VhdxRegionTableDamaged, FaultCode.VhdxLogPending, FaultCode.VhdxLogEmpty, FaultCode.ParentSizeDiffers,
            FaultCode.VhdxReservedNonZero, FaultCode.VhdxHeaderDuplicate, FaultCode.VhdxBitmapPastEnd];
        foreach (FaultCode code in VhdxCheckFixtures.Codes)
        {
            using var folder = new TempFolder();
            string file = VhdxCheckFixtures.Build(code, folder.Path);
            CheckResult report = CheckOperation.Run(new CheckRequest(file) { Chain = VhdxCheckFixtures.ChainCodes.Contains(code), MaxChainDepth = code == FaultCode.ChainTooDeep ? 1 : 64 });
            Assert.Equal(warnings.Contains(code) ? FaultSeverity.Warning : FaultSeverity.Error, report.Faults.Single(f => f.Code == code).Severity);
        }
    }

    [Fact]
    public void Clean_vhdx_of_every_type_and_a_chain_of_depth_3_check_clean()
    {
        string fixedDisk = _folder.File("fixed.vhdx");
        VhdxTestFiles.Create(fixedDisk, VhdDiskType.Fixed, 8L * MiB, MiB);
        string dynamic = _folder.File("dynamic.vhdx");
        VhdxTestFiles.Create(dynamic, VhdDiskType.Dynamic, 64L * MiB, logical: 4096);
        string a = _folder.File("a.vhdx");
        string b = _folder.File("b.vhdx");
        string c = _folder.File("c.vhdx");
        VhdxTestFiles.Create(a, VhdDiskType.Dynamic, 8L * MiB, MiB);
        VhdxTestFiles.Create(b, VhdDiskType.Differencing, parent: a, blockSize: MiB);
        VhdxTestFiles.WriteChild(b, 4096, VhdxTestFiles.Pattern(8192, 1));
        VhdxTestFiles.Create(c, VhdDiskType.Differencing, parent: b, blockSize: MiB);
        VhdxTestFiles.WriteChild(c, 3 * MiB, VhdxTestFiles.Pattern(4096, 2));
        foreach (string file in new[] { fixedDisk, dynamic, a, b, c })
        {
            AssertNoFaults(CheckOperation.Run(new CheckRequest(file) { Chain = true }));
        }
    }

    [SkippableTheory]
    [InlineData("dynamic", "block_size=1M")]
    [InlineData("fixed", "block_size=8M")]
    [InlineData("dynamic", "block_size=32M,block_state_zero=off")]
    public void Vhdx_made_and_written_by_qemu_check_clean(string subformat, string options)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string file = _folder.File($"qemu-{subformat}.vhdx");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vhdx", "-o", $"subformat={subformat},{options}", file, "40M");
        PeerTools.RunOk(PeerTools.Require("qemu-io"), "-f", "vhdx", "-c", "write -P 0x5a 1M 64k", "-c", "write -z 8M 1M", file);
        AssertNoFaults(CheckOperation.Run(new CheckRequest(file)));
    }

    [Fact]
    public void Every_fault_of_a_vhdx_is_listed_not_just_the_first()
    {
        string file = VhdxCheckFixtures.Dynamic(_folder.File("many.vhdx"));
        VhdxCheckFixtures.Write(file, VhdxLayout.Header1Offset + 200, [0x55]);
        VhdxCheckFixtures.Write(file, VhdxLayout.RegionTable2Offset + 100, [0x55]);
        VhdxCheckFixtures.WriteBat(file, 0, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 64 * MiB));
        VhdxCheckFixtures.WriteBat(file, 1, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 3 * MiB));
        VhdxCheckFixtures.WriteBat(file, 2, new VhdxBatEntry(5));
        CheckResult report = CheckOperation.Run(new CheckRequest(file));
        Assert.Equal(
            [FaultCode.BatEntryPastEnd, FaultCode.BatEntryInMetadata, FaultCode.VhdxHeaderDamaged, FaultCode.VhdxRegionTableDamaged, FaultCode.VhdxBatState],
            report.Faults.Select(f => f.Code).Order().ToArray());
    }

    [Fact]
    public void A_bat_full_of_bad_vhdx_entries_lists_a_bounded_number_of_faults()
    {
        string file = VhdxCheckFixtures.Dynamic(_folder.File("bad.vhdx"));
        for (int block = 0; block < 8; block++)
        {
            VhdxCheckFixtures.WriteBat(file, block, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)(100 + block) * MiB));
        }

        CheckResult report = CheckOperation.Run(new CheckRequest(file) { MaxFaultsPerCode = 3 });
        Assert.Equal(4, report.Faults.Count(f => f.Code == FaultCode.BatEntryPastEnd));
        Assert.Contains("5 more", report.Faults[^1].Message, StringComparison.Ordinal);
    }

    private static void AssertNoFaults(CheckResult report) =>
        Assert.True(report.Faults.IsEmpty, string.Join(Environment.NewLine, report.Faults.Select(f => $"{f.Code}: {f.Message}")));
}
