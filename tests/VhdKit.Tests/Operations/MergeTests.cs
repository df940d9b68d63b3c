using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class MergeTests : IDisposable
{
    private const long Capacity = 6L * 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Merging_into_the_parent_keeps_the_content_and_leaves_the_child_unchanged()
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, 5);
        chain.AddLayer(4, 512 * 1024, maxWrite: 1024 * 1024);
        chain.AddLayer(4, maxWrite: 1024 * 1024);
        chain.AddLayer(4, maxWrite: 1024 * 1024);
        byte[] child = File.ReadAllBytes(chain.Leaf);
        MergeResult result = MergeOperation.Run(new MergeRequest(chain.Leaf));
        Assert.Equal(Path.GetFullPath(chain.Layers[1]), result.Target);
        Assert.True(result.BytesMerged > 0);
        Assert.Equal(child, File.ReadAllBytes(chain.Leaf));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Layers[1]));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Leaf));
        Assert.False(File.Exists(MergeJournal.PathFor(result.Target)));
    }

    [SkippableFact]
    public void Merging_into_the_base_flattens_the_chain_and_qemu_reads_the_result()
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, 6);
        chain.AddLayer(4, 512 * 1024, maxWrite: 1024 * 1024);
        chain.AddLayer(4, maxWrite: 1024 * 1024);
        chain.AddLayer(4, maxWrite: 1024 * 1024);
        MergeResult result = MergeOperation.Run(new MergeRequest(chain.Leaf) { Into = chain.Layers[0], DeleteMerged = true });
        Assert.Equal(2, result.Merged.Length);
        Assert.False(File.Exists(chain.Layers[1]) || File.Exists(chain.Layers[2]));
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Layers[0]));
        string qemuImg = PeerTools.Require("qemu-img");
        PeerTools.RunOk(qemuImg, "convert", "-f", "vpc", "-O", "raw", chain.Layers[0], _folder.File("q.raw"));
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(_folder.File("q.raw")));
    }

    [Fact]
    public void A_merge_stopped_at_any_write_leaves_both_images_valid_and_a_rerun_completes_it()
    {
        // A small workload: a parent with data, a child with sector runs across three blocks.
        string template = _folder.File("template");
        Directory.CreateDirectory(template);
        var chain = new ChainBuilder(template, 4L * 1024 * 1024, 7);
        chain.AddLayer(3, 512 * 1024, maxWrite: 300_000);
        chain.AddLayer(4, maxWrite: 300_000);
        byte[] parentBefore = DiskBytes.Of(chain.Layers[0]);

        int total = CountWrites(chain);
        Assert.True(total > 4, $"the workload made only {total} writes");
        for (int stop = 1; stop <= total; stop++)
        {
            string run = _folder.File($"run{stop}");
            Directory.CreateDirectory(run);
            string parent = Path.Combine(run, "layer0.vhd");
            string child = Path.Combine(run, "layer1.vhd");
            File.Copy(chain.Layers[0], parent);
            File.Copy(chain.Layers[1], child);
            File.SetLastWriteTimeUtc(parent, File.GetLastWriteTimeUtc(chain.Layers[0]));
            byte[] childBytes = File.ReadAllBytes(child);

            using (VhdImage layer = VhdImage.Open(child))
            using (var storage = new StopAfterWritesStorage(FileStorage.Open(parent, FileAccess.ReadWrite, FileShare.None), stop))
            using (VhdImage target = VhdImage.Open(storage, leaveOpen: true))
            {
                Assert.Throws<IOException>(() => MergeOperation.Merge([layer], target));
            }

            // Both open and check clean (warnings, such as an orphan tail, allowed); the child is unchanged;
            // through the child nothing changed; the parent alone is either its old content or partly merged,
            // sector by sector, never anything else.
            CheckResult parentCheck = CheckOperation.Run(new CheckRequest(parent));
            Assert.True(parentCheck.IsClean, $"stopped at write {stop}: {string.Join("; ", parentCheck.Faults.Select(f => $"{f.Code}: {f.Message}"))}");
            Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).IsClean);
            Assert.Equal(childBytes, File.ReadAllBytes(child));
            ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(child));
            byte[] parentNow = DiskBytes.Of(parent);
            for (int sector = 0; sector < parentNow.Length / 512; sector++)
            {
                Span<byte> now = parentNow.AsSpan(sector * 512, 512);
                Assert.True(now.SequenceEqual(parentBefore.AsSpan(sector * 512, 512)) || now.SequenceEqual(chain.Model.AsSpan(sector * 512, 512)),
                    $"stopped at write {stop}: parent sector {sector} is neither its old content nor the merged one");
            }

            MergeOperation.Run(new MergeRequest(child));
            ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(parent));
            Assert.True(CheckOperation.Run(new CheckRequest(parent)).IsClean);
        }
    }

    [Fact]
    public void Refusals_name_what_is_wrong()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        var wrongType = Assert.Throws<WrongImageTypeException>(() => MergeOperation.Run(new MergeRequest(parent)));
        Assert.Equal(unchecked((int)0xA004067B), wrongType.HResult);
        Assert.Throws<ArgumentException>(() => MergeOperation.Run(new MergeRequest(child) { Into = _folder.File("elsewhere.vhd") }));

        string sibling = ImageFiles.Differencing(_folder.File("sibling.vhd"), parent);
        using (VirtualDisk reader = VirtualDisk.Open(sibling, new VirtualDiskOptions { ReadOnly = true }))
        {
            Assert.Throws<ImageInUseException>(() => MergeOperation.Run(new MergeRequest(child)));
        }

        File.Delete(parent);
        Assert.Throws<ParentResolutionException>(() => MergeOperation.Run(new MergeRequest(child)));
    }

    [Fact]
    public void Other_children_of_the_target_are_named_in_a_warning()
    {
        string parent = ImageFiles.Dynamic(_folder.File("p.vhd"));
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        string sibling = ImageFiles.Differencing(_folder.File("sibling.vhd"), parent);
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            disk.Write(new byte[] { 1, 2, 3 }, 5000);
        }

        MergeResult result = MergeOperation.Run(new MergeRequest(child));
        Assert.Contains(result.Warnings, w => w.Contains(Path.GetFullPath(sibling), StringComparison.Ordinal));
    }

    [Fact]
    public void Cli_merge_with_delete_child()
    {
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "-s", "4MiB", "base.vhd").ExitCode);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", "child.vhd").ExitCode);
        File.WriteAllBytes(_folder.File("x.bin"), [9, 9, 9]);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "write", "child.vhd", "--offset", "1MiB", "--from", "x.bin").ExitCode);
        ProcessResult merge = CliRunner.RunIn(_folder.Path, "merge", "--delete-child", "child.vhd");
        Assert.True(merge.ExitCode == 0, merge.Stderr);
        Assert.False(File.Exists(_folder.File("child.vhd")));
        Assert.Equal(9, DiskBytes.Of(_folder.File("base.vhd"))[1024 * 1024]);
        ProcessResult notDifferencing = CliRunner.RunIn(_folder.Path, "merge", "base.vhd");
        Assert.StartsWith("vhd: cannot merge base.vhd: ", notDifferencing.Stderr, StringComparison.Ordinal);
        Assert.Contains("merging needs a differencing disk", notDifferencing.Stderr, StringComparison.Ordinal);
    }

    private static int CountWrites(ChainBuilder chain)
    {
        string folder = Path.Combine(Path.GetDirectoryName(chain.Leaf)!, "count");
        Directory.CreateDirectory(folder);
        string parent = Path.Combine(folder, "p.vhd");
        File.Copy(chain.Layers[0], parent);
        using VhdImage layer = VhdImage.Open(chain.Layers[1]);
        using var storage = new StopAfterWritesStorage(FileStorage.Open(parent, FileAccess.ReadWrite, FileShare.None), 0);
        using (VhdImage target = VhdImage.Open(storage, leaveOpen: true))
        {
            MergeOperation.Merge([layer], target);
        }

        return storage.Writes;
    }
}
