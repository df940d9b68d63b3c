using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// <c>vhd repair</c> of a VHDX fixes each repairable fault through the editor (log applied, headers and a region table
/// copy rewritten, entries of blocks outside the file cleared), keeps the content and the DataWriteGuid (children still
/// link), and leaves a file that checks clean for us and for qemu-img.
/// </summary>
public class VhdxRepairTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The VHDX faults repair fixes, each with the action it takes.</summary>
    public static readonly (FaultCode Code, RepairActionKind Action)[] Repairable =
    [
        (FaultCode.VhdxHeaderDamaged, RepairActionKind.RewriteVhdxHeader),
        (FaultCode.VhdxRegionTableDamaged, RepairActionKind.RewriteVhdxRegionTable),
        (FaultCode.VhdxLogPending, RepairActionKind.ReplayVhdxLog),
        (FaultCode.VhdxLogEmpty, RepairActionKind.ReplayVhdxLog),
        (FaultCode.BatEntryPastEnd, RepairActionKind.ClearBatEntry),
    ];

    public static IEnumerable<object[]> Cases() => Repairable.Select(c => new object[] { c.Code, c.Action });

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Each_repairable_vhdx_fault_is_repaired_keeping_content_and_data_write_guid(FaultCode code, RepairActionKind action)
    {
        string file = VhdxCheckFixtures.Build(code, _folder.Path);
        CheckResult before = CheckOperation.Run(new CheckRequest(file));
        Assert.True(before.Faults.Single(f => f.Code == code).Repairable);
        Assert.True(before.IsClean || before.IsRepairable);
        byte[]? content = before.IsClean ? Content(file) : null;
        Guid dataWriteGuid = CurrentHeader(file).DataWriteGuid;

        byte[] untouched = File.ReadAllBytes(file);
        RepairResult dry = RepairOperation.Run(new RepairRequest(file) { DryRun = true });
        Assert.Contains(dry.Actions, a => a.Kind == action);
        Assert.Equal(untouched, File.ReadAllBytes(file));

        RepairResult repaired = RepairOperation.Run(new RepairRequest(file));
        Assert.Contains(repaired.Actions, a => a.Kind == action);
        Assert.True(repaired.After.Faults.IsEmpty, string.Join("; ", repaired.After.Faults.Select(f => $"{f.Code}: {f.Message}")));
        Assert.Equal(dataWriteGuid, CurrentHeader(file).DataWriteGuid);
        Assert.Equal(Guid.Empty, CurrentHeader(file).LogGuid);
        if (content is not null)
        {
            Assert.Equal(content, Content(file));
        }
        else
        {
            Assert.All(Content(file), b => Assert.Equal(0, b)); // the block outside the file now reads as never written
        }

        PeerTools.RunOk(PeerTools.Require("qemu-img"), "check", "-f", "vhdx", file);
    }

    [Fact]
    public void A_repaired_parent_keeps_its_children_linked()
    {
        string child = VhdxCheckFixtures.Child(_folder.Path);
        string parent = Path.Combine(_folder.Path, "base.vhdx");
        VhdxCheckFixtures.Write(parent, VhdxLayout.Header1Offset + 200, [0x55]);
        VhdxCheckFixtures.Write(parent, VhdxLayout.RegionTable2Offset + 100, [0x55]);
        RepairResult repaired = RepairOperation.Run(new RepairRequest(parent));
        Assert.Equal([RepairActionKind.RewriteVhdxHeader, RepairActionKind.RewriteVhdxRegionTable], repaired.Actions.Select(a => a.Kind).ToArray());
        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).Faults.IsEmpty);
    }

    [Fact]
    public void A_vhdx_with_an_error_repair_cannot_fix_is_left_unchanged()
    {
        string file = VhdxCheckFixtures.Build(FaultCode.VhdxMetadataItem, _folder.Path);
        byte[] before = File.ReadAllBytes(file);
        RepairResult result = RepairOperation.Run(new RepairRequest(file));
        Assert.Empty(result.Actions);
        Assert.False(result.Fixed);
        Assert.Equal(before, File.ReadAllBytes(file));
    }

    internal static byte[] Content(string file)
    {
        using VhdxImage image = VhdxImage.Open(file);
        var bytes = new byte[image.Capacity];
        image.ReadOwn(bytes, 0);
        return bytes;
    }

    /// <summary>The current header, read without opening the image (a damaged one may not open).</summary>
    private static VhdxHeader CurrentHeader(string file)
    {
        var first = VhdxHeader.Parse(VhdxCheckFixtures.Read(file, VhdxLayout.Header1Offset, VhdxHeader.Size));
        var second = VhdxHeader.Parse(VhdxCheckFixtures.Read(file, VhdxLayout.Header2Offset, VhdxHeader.Size));
        return VhdxHeader.Choose(first, second) == 1 ? first : second;
    }
}
