using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class CompactTests : IDisposable
{
    private const int Block = 512 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_dynamic_disk_drops_zero_blocks_and_keeps_its_content()
    {
        var chain = new ChainBuilder(_folder.Path, 8L * 1024 * 1024, 3);
        chain.AddLayer(5, Block, maxWrite: 300_000);
        using (VirtualDisk disk = VirtualDisk.Open(chain.Leaf))
        {
            disk.Write(new byte[2 * Block], 5L * Block); // zeros over two whole blocks
            new byte[2 * Block].CopyTo(chain.Model, 5 * Block);
        }

        long before = new FileInfo(chain.Leaf).Length;
        CompactResult result = CompactOperation.Run(new CompactRequest(chain.Leaf));
        Assert.True(result.SizeAfter < before, $"{result.SizeAfter} is not smaller than {before}");
        Assert.True(result.BlocksAfter < result.BlocksBefore);
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(chain.Leaf));
    }

    [SkippableFact]
    public void A_differencing_disk_drops_what_its_parent_already_holds()
    {
        var chain = new ChainBuilder(_folder.Path, 8L * 1024 * 1024, 4);
        chain.AddLayer(6, Block, maxWrite: 1024 * 1024);
        string child = chain.AddLayer(3, maxWrite: 300_000);
        byte[] parentContent = DiskBytes.Of(chain.Layers[0]);
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            // The guest rewrites what the parent already holds: two whole blocks and an odd run.
            disk.Write(parentContent.AsSpan(Block, 2 * Block), Block);
            disk.Write(parentContent.AsSpan(6 * Block + 1000, 5000), 6 * Block + 1000);
            parentContent.AsSpan(Block, 2 * Block).CopyTo(chain.Model.AsSpan(Block));
            parentContent.AsSpan(6 * Block + 1000, 5000).CopyTo(chain.Model.AsSpan(6 * Block + 1000));
        }

        string grandchild = ImageFiles.Differencing(_folder.File("grandchild.vhd"), child);
        DateTime childTime = File.GetLastWriteTimeUtc(child);
        long before = new FileInfo(child).Length;
        CompactResult result = CompactOperation.Run(new CompactRequest(child));
        Assert.True(result.SizeAfter < before, $"{result.SizeAfter} is not smaller than {before}");
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(child));

        // The compacted disk keeps its id and time, so its own children stay valid.
        Assert.Equal(childTime, File.GetLastWriteTimeUtc(child));
        using (VhdChain below = VhdChain.Open(grandchild))
        {
            Assert.Empty(below.Warnings);
        }

        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(grandchild));
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));

        // libvhdi reads the compacted child's chain without error.
        PeerTools.Python("""
            import sys, pyvhdi
            p = pyvhdi.file(); p.open(sys.argv[1]); c = pyvhdi.file(); c.open(sys.argv[2]); c.set_parent(p)
            assert c.get_media_size() == 8 * 1024 * 1024
            """, chain.Layers[0], child);
    }

    [Fact]
    public void Fixed_disks_and_disks_in_use_are_refused()
    {
        string fixedPath = ImageFiles.Fixed(_folder.File("f.vhd"));
        Assert.Throws<WrongImageTypeException>(() => CompactOperation.Run(new CompactRequest(fixedPath)));
        string dynamic = ImageFiles.Dynamic(_folder.File("d.vhd"));
        using VirtualDisk user = VirtualDisk.Open(dynamic, new VirtualDiskOptions { ReadOnly = true });
        Assert.Throws<ImageInUseException>(() => CompactOperation.Run(new CompactRequest(dynamic)));
    }

    [Fact]
    public void Cli_compact()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            disk.Write(new byte[4096], 0);
        }

        ProcessResult result = CliRunner.Run("compact", path);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("1 -> 0 blocks", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_whose_header_a_rebase_moved_compacts_into_the_usual_layout()
    {
        var chain = new ChainBuilder(_folder.Path, 8L * 1024 * 1024, 12);
        chain.AddLayer(3, Block, maxWrite: 300_000);
        string child = chain.AddLayer(4, Block, maxWrite: 300_000);
        Directory.CreateDirectory(_folder.File("moved"));
        string moved = _folder.File("moved/base.vhd");
        File.Move(chain.Layers[0], moved);
        RebaseOperation.Run(new RebaseRequest(child, moved));
        using (VhdImage rebased = VhdImage.Open(child))
        {
            Assert.NotEqual(512UL, rebased.Footer.DataOffset); // the header went past the blocks
        }

        long before = new FileInfo(child).Length;
        CompactOperation.Run(new CompactRequest(child));
        using (VhdImage compacted = VhdImage.Open(child))
        {
            Assert.Equal(512UL, compacted.Footer.DataOffset);
            Assert.True(compacted.FileLength <= before, $"{compacted.FileLength} bytes after, {before} before");
        }

        Assert.True(CheckOperation.Run(new CheckRequest(child) { Chain = true }).IsClean);
        ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(child));
    }
}
