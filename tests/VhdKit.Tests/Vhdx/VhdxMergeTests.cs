using System.Text.Json;
using VhdKit.Automation;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Automation;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// <c>vhd merge</c> of VHDX chains: the merged target holds the chain's content in us, the independent spec reader and
/// (512-byte sectors) qemu; its DataWriteGuid changes; every refusal changes nothing; a cancelled merge leaves a chain
/// that reads as before and completes when run again.
/// </summary>
public class VhdxMergeTests : IDisposable
{
    private const int MiB = 1 << 20;
    private const long Capacity = 8L * MiB;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(1, 512, null)]
    [InlineData(2, 512, MiB)]
    [InlineData(3, 512, null)]
    [InlineData(1, 4096, MiB)]
    [InlineData(2, 4096, null)]
    [InlineData(3, 4096, 4 * MiB)]
    public void Merging_a_vhdx_chain_into_its_base_gives_the_base_the_chains_content_in_every_reader(int children, int logical, int? blockSize)
    {
        ChainBuilder chain = Chain(children, seed: (children * 10) + (logical / 512), logical, blockSize);
        string target = chain.Layers[0];
        Guid before = DataWriteGuid(target);

        MergeResult result = MergeOperation.Run(new MergeRequest(chain.Leaf) { Into = target });

        Assert.Equal(ImageFormat.Vhdx, result.Format);
        Assert.Equal(Path.GetFullPath(target), result.Target);
        Assert.Equal(children, result.Merged.Length);
        Assert.True(result.BytesMerged > 0);
        Assert.False(File.Exists(MergeJournal.PathFor(result.Target)));
        Assert.NotEqual(before, DataWriteGuid(target));
        using (VhdxImage image = VhdxImage.Open(target))
        {
            Assert.Null(image.LogReplay); // closed cleanly: nothing left in the log
            Assert.Equal(logical, image.LogicalSectorSize);
        }

        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(target));
        ChainBuilder.AssertBytes(chain.Model, VhdxSpecReader.Content(target, _folder.File("spec.raw")));
        if (logical == 512)
        {
            AssertQemuReads(target, chain.Model);
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096)]
    public void Merging_a_vhdx_leaf_into_its_differencing_parent_keeps_the_chain_content(int logical)
    {
        ChainBuilder chain = Chain(2, seed: 7 + logical, logical, null);
        string middle = chain.Layers[1];
        MergeResult result = MergeOperation.Run(new MergeRequest(chain.Leaf));

        Assert.Equal(Path.GetFullPath(middle), result.Target);
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(middle));
        ChainBuilder.AssertBytes(chain.Model, VhdxSpecReader.Content(middle, _folder.File("spec.raw"), chain.Layers[0]));

        // The merged leaf no longer links: its parent_linkage names the middle's DataWriteGuid from before the merge.
        var stale = Assert.Throws<ParentResolutionException>(() => DiskBytes.Of(chain.Leaf));
        Assert.Equal(ParentResolutionFailure.IdMismatch, stale.Failure);
    }

    [Fact]
    public void A_zero_block_of_a_vhdx_child_becomes_zeros_in_the_target()
    {
        string parent = _folder.File("p.vhdx");
        string child = _folder.File("c.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, Capacity, blockSize: MiB);
        byte[] model = VhdxTestFiles.Pattern((int)Capacity, 3);
        using (VirtualDisk disk = VirtualDisk.Open(parent))
        {
            disk.Write(model, 0);
        }

        VhdxTestFiles.Create(child, VhdDiskType.Differencing, blockSize: MiB, parent: parent);
        byte[] childData = VhdxTestFiles.Pattern(3 * 4096, 4);
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            disk.Write(childData, (5L * MiB) + 8192);
        }

        childData.CopyTo(model, (5 * MiB) + 8192);

        // Block 2 of the child: ZERO, which hides the parent's data there.
        VhdxTestFiles.SetPayloadState(child, 2, VhdxBlockState.Zero);
        model.AsSpan(2 * MiB, MiB).Clear();
        ChainBuilder.AssertBytes(model, DiskBytes.Of(child));

        MergeResult result = MergeOperation.Run(new MergeRequest(child));
        Assert.Equal(MiB + childData.Length, result.BytesMerged);
        ChainBuilder.AssertBytes(model, DiskBytes.Of(parent));
        ChainBuilder.AssertBytes(model, VhdxSpecReader.Content(parent, _folder.File("spec.raw")));
    }

    [Fact]
    public void A_zero_block_over_a_block_the_target_does_not_hold_is_not_written()
    {
        string parent = _folder.File("p.vhdx");
        string child = _folder.File("c.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, Capacity, blockSize: MiB);
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, blockSize: MiB, parent: parent);
        VhdxTestFiles.SetPayloadState(child, 3, VhdxBlockState.Zero);

        MergeResult result = MergeOperation.Run(new MergeRequest(child));
        Assert.Equal(0, result.BytesMerged);
        using VhdxImage image = VhdxImage.Open(parent);
        Assert.NotEqual(VhdxBlockState.FullyPresent, image.PayloadEntry(3).State);
        ChainBuilder.AssertBytes(new byte[Capacity], DiskBytes.Of(parent));
    }

    [Fact]
    public void A_cancelled_vhdx_merge_leaves_the_chain_reading_as_before_refuses_other_merges_and_completes_when_run_again()
    {
        ChainBuilder chain = Chain(1, seed: 31, 512, null);
        string parent = chain.Layers[0];
        string sibling = Path.Combine(Path.GetDirectoryName(parent)!, "sibling.vhdx");
        VhdxTestFiles.Create(sibling, VhdDiskType.Differencing, parent: parent);
        Guid before = DataWriteGuid(parent);
        byte[] childBefore = File.ReadAllBytes(chain.Leaf);

        using (var cancel = new CancellationTokenSource())
        {
            Assert.ThrowsAny<OperationCanceledException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf), new CancelOnFirstReport(cancel), cancel.Token));
        }

        // The target was written (its DataWriteGuid renewed), yet the chain through the child opens and reads as before.
        Assert.NotEqual(before, DataWriteGuid(parent));
        Assert.Equal(childBefore, File.ReadAllBytes(chain.Leaf));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Leaf));
        using (VhdxChain opened = VhdxChain.Open(chain.Leaf))
        {
            Assert.Contains(opened.Warnings, w => w.Contains("merge", StringComparison.Ordinal));
        }

        // The half-merged target: reported, no new child on it, no other merge into it.
        Assert.True(CheckOperation.Run(new CheckRequest(parent)).Has(FaultCode.MergeInterrupted));
        Assert.Throws<MergeInterruptedException>(() => VhdxTestFiles.Create(_folder.File("new.vhdx"), VhdDiskType.Differencing, parent: parent));
        Assert.Throws<MergeInterruptedException>(() => MergeOperation.Run(new MergeRequest(sibling)));

        MergeResult result = MergeOperation.Run(new MergeRequest(chain.Leaf));
        Assert.False(File.Exists(MergeJournal.PathFor(result.Target)));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(parent));
        Assert.True(CheckOperation.Run(new CheckRequest(parent)).IsClean);
        Assert.Contains(result.Warnings, w => w.Contains(Path.GetFullPath(sibling), StringComparison.Ordinal) && w.Contains("DataWriteGuid", StringComparison.Ordinal));
        Assert.Equal(ParentResolutionFailure.IdMismatch, Assert.Throws<ParentResolutionException>(() => DiskBytes.Of(chain.Leaf)).Failure);
    }

    [Fact]
    public void A_vhdx_child_is_not_created_on_a_vhdx_whose_merge_was_interrupted()
    {
        string parent = _folder.File("p.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, Capacity);
        MergeJournal.Write(Path.GetFullPath(parent), [_folder.File("c.vhdx")], DataWriteGuid(parent));

        Assert.Throws<MergeInterruptedException>(() => VhdxTestFiles.Create(_folder.File("new.vhdx"), VhdDiskType.Differencing, parent: parent));
        Assert.False(File.Exists(_folder.File("new.vhdx")));
    }

    [Fact]
    public void A_vhdx_merge_into_a_vhd_or_over_a_vhd_parent_is_refused_and_changes_nothing()
    {
        ChainBuilder chain = Chain(1, seed: 41, 512, null);
        string vhd = ImageFiles.Fixed(_folder.File("other.vhd"), Capacity);
        byte[][] before = [File.ReadAllBytes(chain.Layers[0]), File.ReadAllBytes(chain.Leaf), File.ReadAllBytes(vhd)];

        var mixed = Assert.Throws<ArgumentException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf) { Into = vhd }));
        Assert.Contains("a VHD image", mixed.Message, StringComparison.Ordinal);
        Assert.Contains("one format", mixed.Message, StringComparison.Ordinal);

        // A VHD where the child's parent was: refused as a parent (Hyper-V mixes no VHD into a VHDX chain).
        string parentBytes = _folder.File("kept.vhdx");
        File.Move(chain.Layers[0], parentBytes);
        File.Copy(vhd, chain.Layers[0]);
        var wrongFormat = Assert.Throws<ParentResolutionException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf)));
        Assert.Contains(wrongFormat.Attempts, a => a.Outcome == CandidateOutcome.WrongFormat);
        Assert.Equal(before[2], File.ReadAllBytes(chain.Layers[0]));
        File.Delete(chain.Layers[0]);
        File.Move(parentBytes, chain.Layers[0]);

        Assert.Equal(before, [File.ReadAllBytes(chain.Layers[0]), File.ReadAllBytes(chain.Leaf), File.ReadAllBytes(vhd)]);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.merge"));
    }

    [Fact]
    public void A_vhdx_merge_refuses_a_missing_or_changed_parent_a_target_in_use_and_a_non_differencing_disk()
    {
        ChainBuilder chain = Chain(1, seed: 51, 512, null);
        string parent = chain.Layers[0];
        byte[] childBefore = File.ReadAllBytes(chain.Leaf);

        Assert.Throws<WrongImageTypeException>(() => MergeOperation.Run(new MergeRequest(parent)));

        // The target read by another child's reader: it cannot be opened for writing.
        string sibling = Path.Combine(Path.GetDirectoryName(parent)!, "sibling.vhdx");
        VhdxTestFiles.Create(sibling, VhdDiskType.Differencing, parent: parent);
        using (VirtualDisk reader = VirtualDisk.Open(sibling, new VirtualDiskOptions { ReadOnly = true }))
        {
            Assert.Throws<ImageInUseException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf)));
        }

        // The target open for writing elsewhere: the chain cannot read it, and says so.
        using (VirtualDisk writer = VirtualDisk.Open(parent))
        {
            var locked = Assert.Throws<ParentResolutionException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf)));
            Assert.Contains("being used by another process", locked.Message, StringComparison.Ordinal);
        }

        File.Delete(sibling);

        Assert.False(File.Exists(MergeJournal.PathFor(Path.GetFullPath(parent))));

        string moved = _folder.File("moved.vhdx");
        File.Move(parent, moved);
        Assert.Equal(ParentResolutionFailure.NotFound, Assert.Throws<ParentResolutionException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf))).Failure);
        File.Move(moved, parent);

        // The parent written after the child was made: its DataWriteGuid no longer matches parent_linkage.
        using (VirtualDisk disk = VirtualDisk.Open(parent))
        {
            disk.Write(new byte[512], 0);
        }

        byte[] parentBefore = File.ReadAllBytes(parent);
        var mismatch = Assert.Throws<ParentResolutionException>(() => MergeOperation.Run(new MergeRequest(chain.Leaf)));
        Assert.Equal(ParentResolutionFailure.IdMismatch, mismatch.Failure);
        Assert.Contains("parent_linkage", mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(parentBefore, File.ReadAllBytes(parent));
        Assert.Equal(childBefore, File.ReadAllBytes(chain.Leaf));
        Assert.False(File.Exists(MergeJournal.PathFor(Path.GetFullPath(parent))));
    }

    [SkippableFact]
    public void A_vhdx_merge_into_a_target_on_a_read_only_volume_is_refused_and_changes_nothing()
    {
        using Tmpfs volume = Tmpfs.Mount("size=64m");
        var chain = new ChainBuilder(volume.Path, Capacity, 61) { Extension = ".vhdx" };
        chain.AddLayer(3, maxWrite: MiB);
        chain.AddLayer(3, maxWrite: MiB);
        byte[] parentBefore = File.ReadAllBytes(chain.Layers[0]);
        volume.Remount("ro");

        Exception refused = Assert.ThrowsAny<Exception>(() => MergeOperation.Run(new MergeRequest(chain.Leaf)));
        Assert.True(refused is IOException or UnauthorizedAccessException, refused.ToString());
        Assert.Equal(parentBefore, File.ReadAllBytes(chain.Layers[0]));
        Assert.False(File.Exists(MergeJournal.PathFor(Path.GetFullPath(chain.Layers[0]))));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Leaf));
    }

    [Fact]
    public void Delete_child_of_a_vhdx_merge_is_refused_while_a_merged_image_has_another_child_beside_it()
    {
        ChainBuilder chain = Chain(2, seed: 71, 512, null);
        string other = Path.Combine(Path.GetDirectoryName(chain.Leaf)!, "other.avhdx");
        CreateOperation.Run(new CreateRequest(other) { Type = VhdDiskType.Differencing, ParentPath = chain.Layers[1], Format = ImageFormat.Vhdx });
        byte[] baseBefore = File.ReadAllBytes(chain.Layers[0]);

        var refused = Assert.Throws<InvalidOperationException>(() =>
            MergeOperation.Run(new MergeRequest(chain.Leaf) { Into = chain.Layers[0], DeleteMerged = true }));
        Assert.Contains(Path.GetFullPath(other), refused.Message, StringComparison.Ordinal);
        Assert.Equal(baseBefore, File.ReadAllBytes(chain.Layers[0]));

        File.Delete(other);
        MergeResult result = MergeOperation.Run(new MergeRequest(chain.Leaf) { Into = chain.Layers[0], DeleteMerged = true });
        Assert.Equal(2, result.Deleted.Length);
        Assert.False(File.Exists(chain.Layers[1]) || File.Exists(chain.Leaf));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Layers[0]));
    }

    [Fact]
    public void Cli_merge_of_a_vhdx_child_reports_in_json_and_says_the_kept_child_no_longer_opens()
    {
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "-s", "8MiB", "base.vhdx").ExitCode);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhdx", "child.vhdx").ExitCode);
        File.WriteAllBytes(_folder.File("x.bin"), [7, 7, 7]);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "write", "child.vhdx", "--offset", "3MiB", "--from", "x.bin").ExitCode);

        ProcessResult json = CliRunner.RunIn(_folder.Path, "merge", "--output=json", "child.vhdx");
        Assert.True(json.ExitCode == 0, json.Stderr);
        using (JsonDocument document = JsonDocument.Parse(json.Stdout))
        {
            Assert.Equal(_folder.File("base.vhdx"), document.RootElement.GetProperty("target").GetString());
            Assert.Equal(512, document.RootElement.GetProperty("bytes-merged").GetInt64());
        }

        Assert.Equal(7, DiskBytes.Of(_folder.File("base.vhdx"))[3 * MiB]);

        // Merged again from a new child, in text: the kept child is said to no longer open.
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhdx", "second.vhdx").ExitCode);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "write", "second.vhdx", "--offset", "1MiB", "--from", "x.bin").ExitCode);
        ProcessResult text = CliRunner.RunIn(_folder.Path, "merge", "second.vhdx");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("no longer opens", text.Stdout + text.Stderr, StringComparison.Ordinal);
        ProcessResult deleted = CliRunner.RunIn(_folder.Path, "merge", "--delete-child", "child.vhdx");
        Assert.NotEqual(0, deleted.ExitCode); // the first child's parent changed twice since
        Assert.Contains("parent_linkage", deleted.Stderr, StringComparison.Ordinal);
    }

    private ChainBuilder Chain(int children, int seed, int logical, int? blockSize)
    {
        string folder = _folder.File($"chain-{children}-{seed}");
        Directory.CreateDirectory(folder);
        var chain = new ChainBuilder(folder, Capacity, seed) { Extension = ".vhdx", LogicalSectorSize = logical };
        chain.AddLayer(4, blockSize, maxWrite: 2 * MiB);
        for (int i = 0; i < children; i++)
        {
            chain.AddLayer(5, blockSize, maxWrite: 2 * MiB);
        }

        return chain;
    }

    private static Guid DataWriteGuid(string path)
    {
        using VhdxImage image = VhdxImage.Open(path);
        return image.DataWriteGuid;
    }

    private void AssertQemuReads(string path, byte[] model)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        ProcessResult check = PeerTools.Run(qemuImg, ["check", "-f", "vhdx", path]);
        Assert.True(check.ExitCode == 0, $"qemu-img check: {check.Stdout}{check.Stderr}");
        string raw = _folder.File("qemu.raw");
        File.Delete(raw);
        PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", path, raw);
        ChainBuilder.AssertBytes(model, File.ReadAllBytes(raw));
    }

    private sealed class CancelOnFirstReport(CancellationTokenSource source) : IProgress<OperationProgress>
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
