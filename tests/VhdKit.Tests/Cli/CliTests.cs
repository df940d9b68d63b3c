using System.Text.Json;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>The real <c>vhd</c> executable, run as a process.</summary>
public class CliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Create_then_info_json_reports_every_footer_and_header_fact()
    {
        string path = _folder.File("d.vhd");
        ProcessResult created = CliRunner.Run("create", "--size", "64MiB", "--block-size", "512KiB", path);
        Assert.Equal(0, created.ExitCode);
        ProcessResult info = CliRunner.Run("info", "--json", path);
        Assert.True(info.ExitCode == 0, info.Stderr);
        using JsonDocument json = JsonDocument.Parse(info.Stdout);
        JsonElement image = json.RootElement.GetProperty("images")[0];
        Assert.Equal("dynamic", image.GetProperty("subformat").GetString());
        Assert.Equal(64L << 20, image.GetProperty("virtual-size").GetInt64());
        JsonElement footer = image.GetProperty("footer");
        Assert.True(footer.GetProperty("cookie-valid").GetBoolean());
        Assert.Equal("win ", footer.GetProperty("creator-application").GetString());
        Assert.Equal("Wi2k", footer.GetProperty("creator-host-os").GetString());
        Assert.True(footer.GetProperty("checksum-valid").GetBoolean());
        Assert.Equal(963, footer.GetProperty("geometry").GetProperty("cylinders").GetInt32()); // the spec's 963/8/17
        JsonElement header = image.GetProperty("dynamic-header");
        Assert.Equal(512 * 1024, header.GetProperty("block-size").GetInt32());
        Assert.Equal(128u, header.GetProperty("max-table-entries").GetUInt32());
        Assert.Equal(0, image.GetProperty("parent-locators").GetArrayLength());
    }

    [Fact]
    public void Relative_paths_are_resolved_against_the_current_folder_and_the_chain_is_shown()
    {
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "-s", "8MiB", "base.vhd").ExitCode);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", "sub/child.vhd").ExitCode);
        ProcessResult info = CliRunner.RunIn(_folder.Path, "info", "--chain", "--json", "sub/child.vhd");
        Assert.True(info.ExitCode == 0, info.Stderr);
        using JsonDocument json = JsonDocument.Parse(info.Stdout);
        JsonElement images = json.RootElement.GetProperty("images");
        Assert.Equal(2, images.GetArrayLength());
        JsonElement link = images[1].GetProperty("link");
        Assert.Equal("W2ru", link.GetProperty("found-via").GetString());
        Assert.Equal(@"..\base.vhd", link.GetProperty("locator-text").GetString());
        Assert.True(link.GetProperty("timestamp-matches").GetBoolean());
        Assert.Equal(images[1].GetProperty("footer").GetProperty("unique-id").GetGuid(),
            images[0].GetProperty("dynamic-header").GetProperty("parent-unique-id").GetGuid());

        ProcessResult table = CliRunner.RunIn(_folder.Path, "info", "--chain", "sub/child.vhd");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Chain (leaf first)", table.Stdout, StringComparison.Ordinal);
        Assert.Contains(@"..\base.vhd", table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_disk_of_an_exact_size()
    {
        string path = _folder.File("f.vhd");
        Assert.Equal(0, CliRunner.Run("create", "--type", "fixed", "--size", "104858112", path).ExitCode);
        Assert.Equal(104858112 + 512, new FileInfo(path).Length);
    }

    [Fact]
    public void Create_over_an_existing_file_fails_with_one_line_and_leaves_it()
    {
        string path = _folder.File("taken.vhd");
        File.WriteAllText(path, "keep me");
        ProcessResult result = CliRunner.Run("create", "--size", "8MiB", path);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.Contains("already exists", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("create", "--size", "2MiB", "x.vhd")]
    [InlineData("create", "--size", "lots", "x.vhd")]
    [InlineData("create", "--size", "8MiB", "--block-size", "1MiB", "x.vhd")]
    [InlineData("create", "x.vhd")]
    [InlineData("create", "--type", "fixed", "--size", "8MiB", "--block-size", "2MiB", "x.vhd")]
    [InlineData("create", "--parent", "missing.vhd", "x.vhd")]
    [InlineData("create", "--parent", "missing.vhd", "--size", "8MiB", "x.vhd")]
    public void Bad_arguments_fail_with_one_line_and_write_nothing(params string[] arguments)
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, arguments);
        Assert.NotEqual(0, result.ExitCode);
        Assert.StartsWith("vhd: ", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.False(File.Exists(_folder.File("x.vhd")));
    }

    [Fact]
    public void Differencing_create_failures_end_with_the_automation_apis_hresult()
    {
        ImageFiles.Dynamic(_folder.File("base.vhd"));
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", "child.vhd").ExitCode);
        ProcessResult exists = CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", "child.vhd");
        Assert.StartsWith("vhd: cannot create child.vhd: ", exists.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("(E_ALREADY_EXISTS 0x800700B7)", exists.Stderr.TrimEnd(), StringComparison.Ordinal);
        ProcessResult noParent = CliRunner.RunIn(_folder.Path, "create", "--parent", "none.vhd", "c2.vhd");
        Assert.StartsWith("vhd: cannot create c2.vhd: ", noParent.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("(E_PATH_NOT_FOUND 0x80070003)", noParent.Stderr.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_with_a_parent_applies_only_real_constraints_not_virtual_servers_name_rules()
    {
        // "|" is a valid name here; E_INVALID_NAME is Virtual Server's portability rule, kept in the automation API only.
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "create", "--parent", parent, "a|b.vhd").ExitCode);
        using VhdKit.Images.VhdImage child = VhdKit.Images.VhdImage.Open(_folder.File("a|b.vhd"));
        Assert.Equal(VhdKit.Format.VhdDiskType.Differencing, child.DiskType);
    }

    [Fact]
    public void Other_failures_name_the_verb_and_file_in_plain_words_without_an_hresult()
    {
        File.WriteAllBytes(_folder.File("junk.vhd"), new byte[4096]);
        string junk = CliRunner.RunIn(_folder.Path, "info", "junk.vhd").Stderr.TrimEnd();
        Assert.StartsWith("vhd: cannot inspect junk.vhd: not a valid VHD: ", junk, StringComparison.Ordinal);
        Assert.DoesNotContain("0x8007", junk, StringComparison.Ordinal);
        Assert.DoesNotContain("0xA004", junk, StringComparison.Ordinal);
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        using (VhdKit.Chain.VirtualDisk writer = VhdKit.Chain.VirtualDisk.Open(_folder.File("d.vhd")))
        {
            File.WriteAllBytes(_folder.File("x.bin"), [1]);
            string held = CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "0", "--from", "x.bin").Stderr.TrimEnd();
            Assert.StartsWith("vhd: cannot write d.vhd: ", held, StringComparison.Ordinal);
            Assert.Contains("in use", held, StringComparison.Ordinal);
            Assert.DoesNotContain("E_SHARING_VIOLATION", held, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Info_on_a_corrupt_file_names_the_structure_and_field()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        ImageFiles.WriteBigEndian(path, 512 + 36, 1);
        ProcessResult result = CliRunner.Run("info", path);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Dynamic header field Checksum at offset 0x224", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_chain_with_a_missing_parent_lists_the_paths_tried_and_plain_info_still_works()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        File.Delete(parent);
        ProcessResult chain = CliRunner.Run("info", "--chain", child);
        Assert.NotEqual(0, chain.ExitCode);
        Assert.Contains("cannot find the parent", chain.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Path.GetFullPath(parent), chain.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run("info", child).ExitCode);
    }

    [Fact]
    public void Info_prints_warnings_on_stderr()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        File.SetLastWriteTimeUtc(parent, DateTime.UtcNow.AddDays(1));
        ProcessResult result = CliRunner.Run("info", "--chain", child);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("vhd: warning:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("modified after", result.Stderr, StringComparison.Ordinal);
    }
}
