using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>
/// Verdicts on files real tools make (issue #11, items 6, 12 and 21-24): what check calls a fault, what opening
/// refuses and what repair touches agree, and quirks of Windows-, qemu- and XenServer-made files are not faults.
/// </summary>
public class VerdictTests : IDisposable
{
    private const long MiB = ImageFiles.MiB;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Repair_never_cuts_the_bytes_of_a_block_that_runs_past_the_end_of_a_cut_short_file()
    {
        string file = ImageFiles.Dynamic(_folder.File("cut.vhd"));
        using (VirtualDisk disk = VirtualDisk.Open(file))
        {
            disk.Write(Enumerable.Repeat((byte)0x5A, (int)MiB).ToArray(), 0);
            disk.Write(Enumerable.Repeat((byte)0xA5, (int)MiB).ToArray(), 6 * MiB);
        }

        // Cut the file in the middle of the last block: its first half (bitmap and data) is still there.
        long lastBlock = ImageFiles.ReadBatEntry(file, 3) * 512L;
        long cut = lastBlock + 512 + MiB;
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(cut);
        }

        byte[] before = File.ReadAllBytes(file);
        CheckResult report = CheckOperation.Run(new CheckRequest(file));
        Assert.Contains(report.Faults, f => f.Code == FaultCode.BatEntryPastEnd && !f.Repairable);
        Assert.DoesNotContain(report.Faults, f => f.Code == FaultCode.OrphanTail);
        Assert.DoesNotContain(report.Faults, f => f.Code == FaultCode.EndFooterMissing && f.Repairable);

        RepairOperation.Run(new RepairRequest(file));

        byte[] after = File.ReadAllBytes(file);
        Assert.True(after.Length >= before.Length, $"repair cut the file from {before.Length} to {after.Length} bytes");
        Assert.Equal(before.AsSpan(512).ToArray(), after.AsSpan(512, before.Length - 512).ToArray());
    }

    [Fact]
    public void A_locator_with_an_unknown_platform_code_is_skipped_alike_by_check_and_open()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);

        // Locator 1 gets a code no reader knows and data far past the end: no reader follows it.
        ImageFiles.PatchHeader(child, h => h with
        {
            ParentLocators = h.ParentLocators.SetItem(1, h.ParentLocators[1] with { Platform = (ParentLocatorPlatform)0x41424344, PlatformDataOffset = 1UL << 40 }),
        });

        CheckResult report = CheckOperation.Run(new CheckRequest(child) { Chain = true });
        Assert.True(report.IsClean, string.Join("; ", report.Faults.Select(f => f.Message)));
        Assert.Contains(report.Faults, f => f.Code == FaultCode.LocatorPlatformUnknown);
        using VhdChain chain = VhdChain.Open(child);
        Assert.Equal(2, chain.Links.Length);
        Assert.Contains(chain.Leaf.Locators, l => l.Index == 1 && l.Text is null);
    }

    [Fact]
    public void A_zero_gap_under_4_KiB_before_the_footer_is_alignment_and_repair_leaves_the_file_alone()
    {
        // Windows ends a sparse dynamic disk with zeros up to a 4 KiB boundary, then the footer.
        string file = ImageFiles.Dynamic(_folder.File("windows.vhd"));
        long end = new FileInfo(file).Length - 512;
        byte[] footer = File.ReadAllBytes(file).AsSpan((int)end, 512).ToArray();
        ImageFiles.WriteRaw(file, end, new byte[3584]);
        ImageFiles.WriteRaw(file, end + 3584, footer);
        byte[] before = File.ReadAllBytes(file);

        Assert.Empty(CheckOperation.Run(new CheckRequest(file)).Faults);
        Assert.Empty(RepairOperation.Run(new RepairRequest(file)).Actions);
        Assert.Equal(before, File.ReadAllBytes(file));

        // A larger or non-zero gap is still an orphan tail.
        ImageFiles.WriteRaw(file, end + 100, [1]);
        Assert.Contains(CheckOperation.Run(new CheckRequest(file)).Faults, f => f.Code == FaultCode.OrphanTail);
    }

    [Fact]
    public void A_parent_timestamp_of_zero_means_not_recorded_and_is_not_warned_about()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        ImageFiles.PatchHeader(child, h => h with { ParentTimestamp = 0 });
        File.SetLastWriteTimeUtc(parent, DateTime.UtcNow.AddDays(3));

        Assert.Empty(CheckOperation.Run(new CheckRequest(child) { Chain = true }).Faults);
        using VhdChain chain = VhdChain.Open(child);
        Assert.Empty(chain.Warnings);
        Assert.Null(chain.Links[1].TimestampMatches);
    }

    [SkippableFact]
    public void A_qemu_made_image_whose_last_bitmap_is_all_ones_checks_clean()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string file = _folder.File("qemu.vhd");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vpc", "-o", "subformat=dynamic", file, "5M");
        long capacity;
        using (VhdImage image = VhdImage.Open(file))
        {
            capacity = image.Capacity;
            Assert.NotEqual(0, capacity % image.BlockSize); // the last block reaches past the disk's end
        }

        PeerTools.RunOk(qemuIo, "-f", "vpc", "-c", $"write -P 0xab {capacity - 4096} 4096", file);

        // Not even a warning: the spec does not ask for the bits past the end clear, and every reader ignores them.
        CheckResult report = CheckOperation.Run(new CheckRequest(file));
        Assert.True(report.Faults.IsEmpty, string.Join("; ", report.Faults.Select(f => f.Message)));
        Assert.Empty(RepairOperation.Run(new RepairRequest(file) { DryRun = true }).Actions);
    }

    [Fact]
    public void A_child_larger_than_its_parent_checks_with_a_warning_and_reads_zeros_past_the_parent()
    {
        // XenServer grows a leaf that has snapshots: the child is 6 MiB, its parent (same id) 4 MiB.
        var id = Guid.NewGuid();
        string parent = _folder.File("base.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, 6 * MiB) with { UniqueId = id });
        string child = ImageFiles.Differencing(_folder.File("leaf.vhd"), parent);
        File.Delete(parent);
        CreateOperation.Run(CreateRequest.Dynamic(parent, 4 * MiB) with { UniqueId = id });
        using (VirtualDisk disk = VirtualDisk.Open(parent))
        {
            disk.Write(Enumerable.Repeat((byte)0x11, (int)(4 * MiB)).ToArray(), 0);
        }

        ImageFiles.PatchHeader(child, h => h with { ParentTimestamp = 0 });
        CheckResult report = CheckOperation.Run(new CheckRequest(child) { Chain = true });
        Assert.True(report.IsClean, string.Join("; ", report.Faults.Select(f => f.Message)));
        Assert.Contains(report.Faults, f => f.Code == FaultCode.ParentSizeDiffers && f.Severity == FaultSeverity.Warning);
        Assert.Equal(0, CliRunner.Run("check", "--chain", child).ExitCode);

        using VirtualDisk leaf = VirtualDisk.Open(child);
        var bytes = new byte[6 * MiB];
        leaf.Read(bytes, 0);
        Assert.All(bytes.AsSpan(0, (int)(4 * MiB)).ToArray(), b => Assert.Equal(0x11, b));
        Assert.All(bytes.AsSpan((int)(4 * MiB)).ToArray(), b => Assert.Equal(0, b));
    }
}
