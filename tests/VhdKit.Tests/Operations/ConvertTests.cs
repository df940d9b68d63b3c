using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

public class ConvertTests : IDisposable
{
    private const long Capacity = 12L * 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private ChainBuilder ThreeLayers()
    {
        var chain = new ChainBuilder(_folder.Path, Capacity, 77);
        chain.AddLayer(3, maxWrite: 1024 * 1024);
        chain.AddLayer(3, maxWrite: 1024 * 1024);
        chain.AddLayer(3, maxWrite: 1024 * 1024);
        return chain;
    }

    [Fact]
    public void Chain_to_raw_equals_the_model_and_is_sparse()
    {
        ChainBuilder chain = ThreeLayers();
        var reports = new List<OperationProgress>();
        ConvertOperation.Run(new ConvertRequest(chain.Leaf, _folder.File("out.raw")) { TargetFormat = ConvertFormat.Raw }, new Reporter(reports.Add));
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(_folder.File("out.raw")));
        Assert.Equal(100, reports[^1].Percent);
    }

    [Theory]
    [InlineData(ConvertFormat.Raw)]
    [InlineData(ConvertFormat.Fixed)]
    public void Chain_to_raw_or_fixed_copies_every_held_run_as_it_is_zeros_included(ConvertFormat format)
    {
        // The kernel copies the runs a layer holds from its file (copy_file_range, as cp does): zeros the guest wrote
        // are copied too (they were skipped as all-zero chunks before), so every held byte counts as written.
        ChainBuilder chain = ThreeLayers();
        string child = Path.Combine(_folder.Path, "zeros.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, chain.Leaf));
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            disk.Write(new byte[CopyEngine.ChunkSize], 2 * CopyEngine.ChunkSize);
        }

        Array.Clear(chain.Model, 2 * CopyEngine.ChunkSize, CopyEngine.ChunkSize);
        long held;
        using (VirtualDisk disk = VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }))
        {
            held = disk.GetAllocatedRanges().Sum(e => e.Length);
        }

        string output = _folder.File($"out.{format}");
        ConvertResult result = ConvertOperation.Run(new ConvertRequest(child, output) { TargetFormat = format });

        Assert.Equal(held, result.BytesWritten);
        if (format == ConvertFormat.Raw)
        {
            ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(output));
        }
        else
        {
            using VirtualDisk converted = VirtualDisk.Open(output, new VirtualDiskOptions { ReadOnly = true });
            ChainBuilder.AssertContent(chain.Model, converted);
        }
    }

    [Theory]
    [InlineData(ConvertFormat.Dynamic)]
    [InlineData(ConvertFormat.Fixed)]
    public void Chain_to_a_vhd_is_standalone_and_equals_the_model(ConvertFormat format)
    {
        ChainBuilder chain = ThreeLayers();
        string output = _folder.File($"out-{format}.vhd");
        ConvertOperation.Run(new ConvertRequest(chain.Leaf, output) { TargetFormat = format });

        using VirtualDisk converted = VirtualDisk.Open(output, new VirtualDiskOptions { ReadOnly = true });
        Assert.Single(converted.Layers);
        Assert.Equal(format == ConvertFormat.Fixed ? VhdDiskType.Fixed : VhdDiskType.Dynamic, converted.Layers[0].DiskType);
        ChainBuilder.AssertContent(chain.Model, converted);
    }

    [Fact]
    public void Dynamic_output_leaves_unwritten_blocks_unallocated()
    {
        string basePath = ImageFiles.Dynamic(_folder.File("base.vhd"), 16 * ImageFiles.MiB);
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), basePath);
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            disk.Write(new byte[] { 1 }, 5 * ImageFiles.MiB);
            disk.Write(new byte[4096], 9 * ImageFiles.MiB); // zeros written: nothing to allocate for them
        }

        ConvertOperation.Run(new ConvertRequest(child, _folder.File("flat.vhd")) { TargetFormat = ConvertFormat.Dynamic });

        using VhdImage flat = VhdImage.Open(_folder.File("flat.vhd"));
        Assert.Equal(1, flat.Bat!.AllocatedCount());
        Assert.True(flat.Bat.IsAllocated(2));
    }

    [Fact]
    public void Existing_target_is_refused_and_cancelled_conversion_leaves_nothing()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllText(_folder.File("taken.raw"), "x");
        Assert.Throws<ImageAlreadyExistsException>(() => ConvertOperation.Run(new ConvertRequest(path, _folder.File("taken.raw")) { TargetFormat = ConvertFormat.Raw }));
        Assert.Equal("x", File.ReadAllText(_folder.File("taken.raw")));

        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        using (VirtualDisk writer = VirtualDisk.Open(ImageFiles.Dynamic(_folder.File("w.vhd"))))
        {
            writer.Write(new byte[] { 1 }, 0);
        }

        Assert.ThrowsAny<OperationCanceledException>(() => ConvertOperation.Run(new ConvertRequest(_folder.File("w.vhd"), _folder.File("sub/c.vhd")) { TargetFormat = ConvertFormat.Dynamic }, null, cancel.Token));
        Assert.Empty(Directory.GetFiles(_folder.File("sub")));        Assert.ThrowsAny<OperationCanceledException>(() => ConvertOperation.Run(new ConvertRequest(_folder.File("w.vhd"), _folder.File("sub/c.vhd")) { TargetFormat = ConvertFormat.Dynamic }, null, cancel.Token));
        Assert.Empty(Directory.GetFiles(_folder.File("sub")));
    }

    [SkippableFact]
    public void Qemu_reads_our_flattened_dynamic_image_as_the_model()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        ChainBuilder chain = ThreeLayers();
        ConvertOperation.Run(new ConvertRequest(chain.Leaf, _folder.File("flat.vhd")) { TargetFormat = ConvertFormat.Dynamic });

        PeerTools.RunOk(qemuImg, "convert", "-f", "vpc", "-O", "raw", _folder.File("flat.vhd"), _folder.File("q.raw"));
        ChainBuilder.AssertBytes(chain.Model, File.ReadAllBytes(_folder.File("q.raw")));
    }

    private sealed class Reporter(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }
}
