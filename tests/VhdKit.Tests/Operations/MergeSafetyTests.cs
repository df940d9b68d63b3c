using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>Merges that must refuse before changing anything, and the journal an interrupted merge leaves.</summary>
public class MergeSafetyTests : IDisposable
{
    private const long MiB = ImageFiles.MiB;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_child_larger_than_its_parent_with_data_past_the_parent_end_is_not_merged_and_not_deleted()
    {
        (string parent, string child) = GrownChild(dataPastParent: true);
        byte[] parentBefore = File.ReadAllBytes(parent);
        byte[] childBefore = File.ReadAllBytes(child);

        var error = Assert.Throws<InvalidOperationException>(() => MergeOperation.Run(new MergeRequest(child) { DeleteMerged = true }));
        Assert.Contains("vhd resize", error.Message, StringComparison.Ordinal);
        Assert.Contains((8 * MiB).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.Equal(parentBefore, File.ReadAllBytes(parent));
        Assert.Equal(childBefore, File.ReadAllBytes(child));
        Assert.False(File.Exists(MergeJournal.PathFor(Path.GetFullPath(parent))));
    }

    [Fact]
    public void A_child_larger_than_its_parent_holding_nothing_past_the_parent_end_merges()
    {
        (string parent, string child) = GrownChild(dataPastParent: false);
        MergeOperation.Run(new MergeRequest(child) { DeleteMerged = true });
        Assert.False(File.Exists(child));
        Assert.Equal(0x5A, DiskBytes.Of(parent)[(int)MiB]);
    }

    [Fact]
    public void Cli_merge_of_a_grown_child_with_data_past_the_parent_exits_non_zero_and_keeps_the_child()
    {
        (_, string child) = GrownChild(dataPastParent: true);
        ProcessResult result = CliRunner.Run("merge", "--delete-child", child);
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(File.Exists(child));
        Assert.Contains("vhd resize", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Delete_child_is_refused_before_the_merge_when_the_child_has_children_of_its_own_beside_it()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"), 4 * MiB);
        string middle = ImageFiles.Differencing(_folder.File("b.vhd"), parent);
        string grandchild = ImageFiles.Differencing(_folder.File("c.avhd"), middle);
        using (VhdImage image = VhdImage.Open(middle, new VhdOpenOptions { Writable = true }))
        {
            image.WriteSectors(new byte[512], 0);
            image.Flush();
        }

        byte[] parentBefore = File.ReadAllBytes(parent);
        byte[] middleBefore = File.ReadAllBytes(middle);
        var error = Assert.Throws<InvalidOperationException>(() => MergeOperation.Run(new MergeRequest(middle) { DeleteMerged = true }));
        Assert.Contains(Path.GetFullPath(grandchild), error.Message, StringComparison.Ordinal);
        Assert.Equal(parentBefore, File.ReadAllBytes(parent));
        Assert.Equal(middleBefore, File.ReadAllBytes(middle));
        Assert.False(File.Exists(MergeJournal.PathFor(Path.GetFullPath(parent))));

        ProcessResult cli = CliRunner.Run("merge", "--delete-child", middle);
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains(Path.GetFullPath(grandchild), cli.Stderr, StringComparison.Ordinal);
        Assert.Equal(middleBefore, File.ReadAllBytes(middle));
    }

    [Fact]
    public void A_journal_write_that_fails_leaves_no_temporary_file()
    {
        string target = Path.GetFullPath(ImageFiles.Dynamic(_folder.File("t.vhd"), 4 * MiB));
        Assert.Throws<IOException>(() => MergeJournal.Write(target, [_folder.File("c.vhd")], Guid.NewGuid(),
            storage => new StopAfterWritesStorage(storage, 1)));
        Assert.Equal([target], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void An_interrupted_merge_is_reported_by_check_and_info_and_refuses_new_children_until_completed()
    {
        string parent = Path.GetFullPath(ImageFiles.Dynamic(_folder.File("p.vhd"), 4 * MiB));
        string child = Path.GetFullPath(ImageFiles.Differencing(_folder.File("c.vhd"), parent));
        using (VhdImage image = VhdImage.Open(child, new VhdOpenOptions { Writable = true }))
        {
            image.WriteSectors(Enumerable.Repeat((byte)7, 3 * (int)MiB).ToArray(), 0);
            image.Flush();
        }

        using (var cancel = new CancellationTokenSource())
        {
            var stop = new Progress(cancel);
            Assert.ThrowsAny<OperationCanceledException>(() => MergeOperation.Run(new MergeRequest(child), stop, cancel.Token));
        }

        Assert.Equal(new MergeJournal.Entry(ImageFiles.ReadFooter(parent, 0).UniqueId, [child]), MergeJournal.Read(parent));
        CheckResult report = CheckOperation.Run(new CheckRequest(parent));
        CheckFault fault = Assert.Single(report.Faults, f => f.Code == FaultCode.MergeInterrupted);
        Assert.Equal(FaultSeverity.Error, fault.Severity);
        Assert.Contains(child, fault.Message, StringComparison.Ordinal);
        ProcessResult check = CliRunner.Run("check", parent);
        Assert.NotEqual(0, check.ExitCode);
        ProcessResult info = CliRunner.Run("info", parent);
        Assert.Contains("interrupted", info.Stderr, StringComparison.Ordinal);
        Assert.Contains($"vhd merge {child}", info.Stderr, StringComparison.Ordinal);

        var refused = Assert.Throws<MergeInterruptedException>(() => ImageFiles.Differencing(_folder.File("new.vhd"), parent));
        Assert.Equal(parent, refused.TargetPath);
        Assert.False(File.Exists(_folder.File("new.vhd")));

        MergeOperation.Run(new MergeRequest(child));
        Assert.Null(MergeJournal.Read(parent));
        Assert.DoesNotContain(CheckOperation.Run(new CheckRequest(parent)).Faults, f => f.Code == FaultCode.MergeInterrupted);
        ImageFiles.Differencing(_folder.File("new.vhd"), parent);
    }

    [Fact]
    public void Another_merge_into_a_half_merged_target_is_refused_until_the_interrupted_one_completes()
    {
        string parent = Path.GetFullPath(ImageFiles.Dynamic(_folder.File("p.vhd"), 4 * MiB));
        string first = Path.GetFullPath(ImageFiles.Differencing(_folder.File("first.vhd"), parent));
        string second = Path.GetFullPath(ImageFiles.Differencing(_folder.File("second.vhd"), parent));
        MergeJournal.Write(parent, [first], ImageFiles.ReadFooter(parent, 0).UniqueId);
        byte[] parentBefore = File.ReadAllBytes(parent);

        var error = Assert.Throws<MergeInterruptedException>(() => MergeOperation.Run(new MergeRequest(second)));
        Assert.Contains($"vhd merge {first}", error.Message, StringComparison.Ordinal);
        Assert.Equal(parentBefore, File.ReadAllBytes(parent));
        MergeOperation.Run(new MergeRequest(first));
        Assert.Null(MergeJournal.Read(parent));
    }

    /// <summary>A dynamic parent of 4 MiB and a differencing child whose footer says 8 MiB (XenServer grows a leaf so).</summary>
    private (string Parent, string Child) GrownChild(bool dataPastParent)
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"), 4 * MiB);
        string child = ImageFiles.Differencing(_folder.File("leaf.vhd"), parent);
        ImageFiles.PatchFooter(child, f => f with { CurrentSize = (ulong)(8 * MiB), Geometry = DiskGeometry.FromCapacity(8 * MiB) });
        ImageFiles.PatchHeader(child, h => h with { MaxTableEntries = 4 });
        using VhdImage image = VhdImage.Open(child, new VhdOpenOptions { Writable = true });
        Assert.Equal(8 * MiB, image.Capacity);
        image.WriteSectors(Enumerable.Repeat((byte)0x5A, 512).ToArray(), MiB);
        if (dataPastParent)
        {
            image.WriteSectors(Enumerable.Repeat((byte)0xA5, 4096).ToArray(), 6 * MiB);
        }

        image.Flush();

        return (parent, child);
    }

    private sealed class Progress(CancellationTokenSource source) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value)
        {
            if (value.Done < value.Total)
            {
                source.Cancel();
            }
        }
    }
}
