using System.Text.Json;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>qemu-img's flags where they mean the same: convert -f/-O/-o, create -f/-b/-F/-o and FILE SIZE, info --backing-chain, check -r, rebase -u -b, resize FILE [+|-]SIZE.</summary>
public class QemuFlagsCliTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Convert_imports_a_raw_file_with_qemu_img_flags()
    {
        byte[] content = RawContent(4 * MiB);
        File.WriteAllBytes(_folder.File("disk.img"), content);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed", "disk.img", "disk.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("fixed", DiskType("disk.vhd"));
        Assert.Equal(content, DiskBytes.Of(_folder.File("disk.vhd")));
    }

    [Fact]
    public void Convert_detects_a_raw_source_by_content_and_writes_a_dynamic_vhd_by_default()
    {
        byte[] content = RawContent(4 * MiB);
        File.WriteAllBytes(_folder.File("disk.img"), content);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "convert", "disk.img", "disk.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("dynamic", DiskType("disk.vhd"));
        Assert.Equal(content, DiskBytes.Of(_folder.File("disk.vhd")));
    }

    [Theory]
    [InlineData("-O", "raw")]
    [InlineData("--target-format", "raw")]
    [InlineData("--format", "raw")]
    public void Convert_to_raw_with_any_spelling_of_the_target_format(string option, string format)
    {
        string source = ImageFiles.Dynamic(_folder.File("d.vhd"), 4 * MiB);
        using (VhdKit.Chain.VirtualDisk disk = VhdKit.Chain.VirtualDisk.Open(source))
        {
            disk.Write([1, 2, 3], MiB);
        }

        ProcessResult result = CliRunner.RunIn(_folder.Path, "convert", option, format, "d.vhd", "out.raw");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(4 * MiB, new FileInfo(_folder.File("out.raw")).Length);
        Assert.Equal(DiskBytes.Of(source), File.ReadAllBytes(_folder.File("out.raw")));
    }

    [Fact]
    public void Convert_f_fixed_as_before_qemu_flags_still_names_the_target_with_a_warning()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "convert", "-f", "fixed", "d.vhd", "out.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("fixed", DiskType("out.vhd"));
        Assert.Contains("vhd: warning: -f fixed names the target", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-O", "qcow2")]
    [InlineData("-f", "vmdk")]
    public void Convert_names_formats_it_does_not_support_yet(string option, string format)
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "convert", option, format, "d.vhd", "out");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{format} is not supported yet", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("out")));
    }

    [Fact]
    public void Create_takes_qemu_img_flags_and_a_positional_size()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "-f", "vpc", "-o", "subformat=dynamic,block_size=512K", "d.vhd", "64M");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using JsonDocument info = Info("d.vhd");
        JsonElement image = info.RootElement.GetProperty("images")[0];
        Assert.Equal(64 * MiB, image.GetProperty("virtual-size").GetInt64());
        Assert.Equal(512 * 1024, image.GetProperty("dynamic-header").GetProperty("block-size").GetInt32());

        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "-o", "subformat=fixed", "f.vhd", "4M").ExitCode);
        Assert.Equal("fixed", DiskType("f.vhd"));
    }

    [Fact]
    public void Create_with_b_and_F_makes_a_differencing_disk()
    {
        ImageFiles.Dynamic(_folder.File("base.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "-f", "vpc", "-b", "base.vhd", "-F", "vpc", "child.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("differencing", DiskType("child.vhd"));
    }

    [Fact]
    public void Create_p_is_progress_not_parent()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "-p", "--size", "8MiB", "d.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("dynamic", DiskType("d.vhd"));
        Assert.Contains("create: 100%", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-f", "raw", "vhd create makes VHD images")]
    [InlineData("-f", "qcow2", "qcow2 is not supported yet")] // -f vhdx makes a VHDX (VhdxCliTests)
    [InlineData("-F", "raw", "a differencing VHD's parent is a VHD")]
    public void Create_refuses_formats_it_does_not_make_in_plain_words(string option, string format, string message)
    {
        ImageFiles.Dynamic(_folder.File("base.vhd"));
        string[] arguments = option == "-F" ? ["create", "-b", "base.vhd", "-F", format, "x.vhd"] : ["create", option, format, "x.vhd", "8M"];
        ProcessResult result = CliRunner.RunIn(_folder.Path, arguments);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("vhd: cannot create x.vhd: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("x.vhd")));
    }

    [Fact]
    public void Info_backing_chain_is_chain()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "--backing-chain", "--output=json", "child.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("images").GetArrayLength());
    }

    [Fact]
    public void Map_takes_output_equals_json()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "map", "--output=json", "d.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        Assert.NotEqual(JsonValueKind.Undefined, json.RootElement.ValueKind);
    }

    [Theory]
    [InlineData("all")]
    [InlineData("leaks")]
    public void Check_r_repairs_then_checks(string mode)
    {
        string file = CheckFixtures.Build(FaultCode.HeaderChecksum, _folder.Path);
        Assert.Equal(3, CliRunner.Run("check", file).ExitCode);
        ProcessResult result = CliRunner.Run("check", "-r", mode, file);
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("repaired: ", result.Stdout, StringComparison.Ordinal);
        Assert.True(CheckOperation.Run(new CheckRequest(file)).IsClean);
    }

    [Fact]
    public void Rebase_u_b_points_the_child_at_the_moved_parent()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        Directory.CreateDirectory(_folder.File("moved"));
        File.Move(parent, _folder.File("moved/base.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "rebase", "-u", "-b", "moved/base.vhd", "-F", "vpc", "child.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "info", "--backing-chain", "child.vhd").ExitCode);
    }

    [Theory]
    [InlineData("+1G", 8 * MiB + 1024 * MiB)]
    [InlineData("-4M", 4 * MiB)]
    [InlineData("16M", 16 * MiB)]
    public void Resize_takes_qemu_img_absolute_and_relative_sizes(string size, long expected)
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"), 8 * MiB);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "resize", "d.vhd", size);
        Assert.True(result.ExitCode == 0, result.Stderr);
        using JsonDocument info = Info("d.vhd");
        Assert.Equal(expected, info.RootElement.GetProperty("images")[0].GetProperty("virtual-size").GetInt64());
    }

    [Fact]
    public void Resize_below_the_minimum_by_a_relative_size_says_the_size_it_reached()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"), 8 * MiB);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "resize", "d.vhd", "-6M");
        Assert.Equal("vhd: cannot resize d.vhd: the new size must be at least 3 MiB (got 2 MiB).", result.Stderr.TrimEnd());
    }

    private static byte[] RawContent(long length)
    {
        var content = new byte[length];
        new Random(12).NextBytes(content.AsSpan(0, (int)MiB));
        content[(int)(3 * MiB) + 7] = 0x5A;
        return content;
    }

    private string DiskType(string file)
    {
        using JsonDocument info = Info(file);
        return info.RootElement.GetProperty("images")[0].GetProperty("subformat").GetString()!;
    }

    private JsonDocument Info(string file)
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "--json", file);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return JsonDocument.Parse(result.Stdout);
    }
}
