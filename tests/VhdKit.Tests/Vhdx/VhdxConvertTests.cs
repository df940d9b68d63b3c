using System.Text.Json;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// <c>vhd convert -O vhdx</c> and <see cref="ConvertOperation"/> into VHDX from raw, VHD, VHD chains and VHDX chains:
/// sparse (blocks only zeros reach stay NOT_PRESENT), fixed or dynamic, block and logical sector sizes as asked; our
/// reader, the spec reader and qemu-img (512-byte sectors) read the source's content.
/// </summary>
public class VhdxConvertTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void A_raw_file_converts_to_a_sparse_dynamic_vhdx()
    {
        string raw = _folder.File("r.raw");
        byte[] model = new byte[20 * MiB];
        VhdxTestFiles.Pattern(300_000, 1).CopyTo(model, 5 * MiB);
        VhdxTestFiles.Pattern(512, 2).CopyTo(model, (19 * MiB) + 512);
        File.WriteAllBytes(raw, model);
        string target = _folder.File("r.vhdx");
        ConvertResult result = ConvertOperation.Run(new ConvertRequest(raw, target) { TargetFormat = ConvertFormat.VhdxDynamic, BlockSize = MiB });

        Assert.Equal(ConvertFormat.VhdxDynamic, result.TargetFormat);
        using (VhdxImage image = VhdxImage.Open(target))
        {
            Assert.Equal(VhdDiskType.Dynamic, image.DiskType);
            Assert.Equal(MiB, image.BlockSize);
            int present = 0;
            for (long block = 0; block < image.Geometry.DataBlockCount; block++)
            {
                present += image.PayloadEntry(block).State == VhdxBlockState.FullyPresent ? 1 : 0;
            }

            Assert.Equal(2, present); // blocks 5 and 19: the others read zeros and were not allocated
            Assert.Null(image.LogReplay);
        }

        AssertEveryReader(target, model, qemu: true);
    }

    [SkippableTheory]
    [InlineData(".vhd", ConvertFormat.VhdxDynamic, 512)]
    [InlineData(".vhd", ConvertFormat.VhdxFixed, 4096)]
    [InlineData(".vhdx", ConvertFormat.VhdxDynamic, 512)]
    [InlineData(".vhdx", ConvertFormat.VhdxFixed, 512)]
    public void A_chain_flattens_into_a_vhdx(string extension, ConvertFormat format, int logical)
    {
        string folder = _folder.File("chain" + extension + format + logical);
        Directory.CreateDirectory(folder);
        var chain = new ChainBuilder(folder, 12L * MiB, 7) { Extension = extension };
        for (int i = 0; i < 3; i++)
        {
            chain.AddLayer(writes: 5, blockSize: extension == ".vhdx" ? MiB : null, maxWrite: 2 * MiB);
        }

        string target = _folder.File("flat" + extension + format + logical + ".vhdx");
        ConvertOperation.Run(new ConvertRequest(chain.Leaf, target) { TargetFormat = format, LogicalSectorSize = logical == 512 ? null : logical, BlockSize = 4 * MiB });
        using (VhdxImage image = VhdxImage.Open(target))
        {
            Assert.Equal(format == ConvertFormat.VhdxFixed ? VhdDiskType.Fixed : VhdDiskType.Dynamic, image.DiskType);
            Assert.Equal(logical, image.LogicalSectorSize);
            Assert.Equal(4 * MiB, image.BlockSize);
        }

        AssertEveryReader(target, chain.Model, qemu: logical == 512);
    }

    [Fact]
    public void Vhdx_options_for_a_vhd_target_and_a_size_vhdx_cannot_have_are_refused_leaving_nothing()
    {
        string raw = _folder.File("odd.raw");
        File.WriteAllBytes(raw, new byte[(3 * MiB) + 512]);
        Assert.Throws<ArgumentException>(() => ConvertOperation.Run(new ConvertRequest(raw, _folder.File("a.vhd")) { BlockSize = MiB }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConvertOperation.Run(new ConvertRequest(raw, _folder.File("b.vhdx")) { TargetFormat = ConvertFormat.VhdxDynamic, LogicalSectorSize = 4096 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConvertOperation.Run(new ConvertRequest(raw, _folder.File("c.vhdx")) { TargetFormat = ConvertFormat.VhdxDynamic, BlockSize = 3 * MiB }));
        Assert.Equal(["odd.raw"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [SkippableFact]
    public void Cli_convert_to_vhdx_takes_qemu_img_options_and_reports_the_vhdx()
    {
        string raw = _folder.File("in.raw");
        byte[] model = new byte[16 * MiB];
        VhdxTestFiles.Pattern(2 * MiB, 9).CopyTo(model, 3 * MiB);
        File.WriteAllBytes(raw, model);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "convert", "-O", "vhdx", "-o", "subformat=fixed,block_size=2M", "--logical-sector-size", "4096", "in.raw", "out.vhdx", "--output=json");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "convert");
        JsonElement written = document.RootElement.GetProperty("target");
        Assert.Equal("vhdx", written.GetProperty("format").GetString());
        using (VhdxImage image = VhdxImage.Open(_folder.File("out.vhdx")))
        {
            Assert.Equal((VhdDiskType.Fixed, 2 * MiB, 4096), (image.DiskType, image.BlockSize, image.LogicalSectorSize));
        }

        AssertEveryReader(_folder.File("out.vhdx"), model, qemu: false);
        ProcessResult text = CliRunner.RunIn(_folder.Path, "convert", "-O", "vhdx", "--block-size", "1M", "in.raw", "out2.vhdx");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("dynamic vhdx", text.Stdout, StringComparison.Ordinal);
        ProcessResult both = CliRunner.RunIn(_folder.Path, "convert", "-O", "vhdx", "--block-size", "1M", "-o", "block_size=2M", "in.raw", "out3.vhdx");
        Assert.Equal(1, both.ExitCode);
        Assert.False(File.Exists(_folder.File("out3.vhdx")));
    }

    private void AssertEveryReader(string path, byte[] model, bool qemu)
    {
        using (VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true }))
        {
            ChainBuilder.AssertContent(model, disk);
        }

        ChainBuilder.AssertBytes(model, VhdxSpecReader.Content(path, path + ".spec"));
        if (qemu)
        {
            string qemuImg = PeerTools.Require("qemu-img");
            PeerTools.RunOk(qemuImg, "check", "-f", "vhdx", path);
            string raw = _folder.File(Path.GetFileName(path) + ".qemu.raw");
            PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", path, raw);
            ChainBuilder.AssertBytes(model, File.ReadAllBytes(raw));
        }
    }
}
