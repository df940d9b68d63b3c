using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>Errors and messages in plain words: verb, file, reason; no .NET text, no HRESULT, no wrong advice.</summary>
public class PlainErrorCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Create_below_3_MiB_says_the_minimum_and_the_size_given()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "--size", "2MiB", "x.vhd");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("vhd: cannot create x.vhd: the size must be at least 3 MiB (got 2 MiB).", result.Stderr.TrimEnd());
        Assert.False(File.Exists(_folder.File("x.vhd")));
    }

    [Fact]
    public void Create_of_a_size_not_a_multiple_of_512_says_so_in_plain_words()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "--size", "4194305", "x.vhd");
        Assert.Equal("vhd: cannot create x.vhd: the size must be a multiple of 512 bytes (got 4194305 bytes).", result.Stderr.TrimEnd());
    }

    [Fact]
    public void Resize_below_3_MiB_says_the_minimum_without_dotnet_text()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "resize", "--size", "2MiB", "d.vhd");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("vhd: cannot resize d.vhd: the new size must be at least 3 MiB (got 2 MiB).", result.Stderr.TrimEnd());
    }

    [Fact]
    public void Dotnet_argument_decorations_are_removed_from_library_messages()
    {
        var exception = new ArgumentOutOfRangeException("size", 2097152L, "The size is wrong.");
        Assert.Equal("The size is wrong.", VhdKit.Cli.Output.ErrorMessage.WithoutParameter(exception));
    }

    [Fact]
    public void Compact_of_a_fixed_disk_says_it_needs_a_dynamic_or_differencing_disk()
    {
        ImageFiles.Fixed(_folder.File("f.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "compact", "f.vhd");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("vhd: cannot compact f.vhd: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("needs a dynamic or differencing disk", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_says_the_merged_child_still_reads_the_same_and_is_no_longer_needed()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "merge", "child.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain("belong on top", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{_folder.File("child.vhd")} still reads the same but is no longer needed: its data is now in {parent}; delete it (or merge with --delete-child).",
            result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_to_an_existing_file_says_it_exists_and_keeps_it()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllText(_folder.File("out.bin"), "keep me");
        ProcessResult result = CliRunner.RunIn(_folder.Path, "read", "d.vhd", "--to", "out.bin");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("vhd: cannot read d.vhd: --to out.bin already exists; it is never overwritten (remove it or name another file).", result.Stderr.TrimEnd());
        Assert.Equal("keep me", File.ReadAllText(_folder.File("out.bin")));
    }

    [Fact]
    public void Info_of_a_folder_says_it_is_a_folder()
    {
        Directory.CreateDirectory(_folder.File("dir"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "dir");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("vhd: cannot inspect dir: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("is a folder, not a file", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Repair_dry_run_lists_no_cut_that_changes_nothing()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        long length = new FileInfo(path).Length;
        ImageFiles.WriteBigEndian(path, length - 512 + 64, 0x12345678); // the end footer's checksum
        ProcessResult result = CliRunner.RunIn(_folder.Path, "repair", "--dry-run", "d.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("would: ", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("cut the file", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain($"(was {length})", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_of_a_damaged_footer_copy_reads_as_a_sentence()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        ImageFiles.WriteBigEndian(path, 64, 0x12345678); // the copy's checksum
        ProcessResult result = CliRunner.RunIn(_folder.Path, "check", "--json", "d.vhd");
        Assert.Contains("The footer copy at offset 0 is damaged (its checksum is 0x12345678", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("offset 0 its", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_fill_on_a_dynamic_disk_is_refused()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "--size", "8MiB", "--zero-fill", "x.vhd");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("vhd: cannot create x.vhd: --zero-fill is for a fixed disk (a dynamic disk stores no zeros); add --type fixed or drop --zero-fill.", result.Stderr.TrimEnd());
        Assert.False(File.Exists(_folder.File("x.vhd")));
    }

    [Theory]
    [InlineData("create", "<SIZE>", "<PARENT>")]
    [InlineData("read", "<OFFSET>", "<OUT>")]
    [InlineData("resize", "<SIZE>")]
    [InlineData("rebase", "<PARENT>")]
    [InlineData("convert", "<FMT>", "<OPTIONS>")]
    [InlineData("write", "<OFFSET>", "<IN>")]
    [InlineData("merge", "<ANCESTOR>")]
    [InlineData("check", "<leaks|all>")]
    [InlineData("serve", "<PATH>", "<N>", "<ADDR>")]
    [InlineData("info", "<text|json>")]
    [InlineData("map")]
    [InlineData("compare")]
    [InlineData("compact")]
    [InlineData("repair")]
    public void Help_names_its_placeholders(string verb, params string[] placeholders)
    {
        ProcessResult result = CliRunner.Run(verb, "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (string placeholder in placeholders)
        {
            Assert.Contains(placeholder, result.Stdout, StringComparison.Ordinal);
        }

        Assert.DoesNotMatch("<[a-z][a-z-]*>", result.Stdout);
    }

    [Fact]
    public void Chain_table_never_breaks_a_path_in_the_middle()
    {
        string deep = Path.Combine(_folder.Path, new string('p', 90), new string('q', 40));
        Directory.CreateDirectory(deep);
        string parent = ImageFiles.Dynamic(Path.Combine(deep, "base-with-a-long-name.vhd"));
        string child = ImageFiles.Differencing(Path.Combine(deep, "child-with-a-long-name.vhd"), parent);
        ProcessResult result = CliRunner.Run("info", "--chain", child);
        Assert.True(result.ExitCode == 0, result.Stderr);
        string chain = result.Stdout[result.Stdout.IndexOf("Chain (leaf first)", StringComparison.Ordinal)..];
        Assert.Contains(child, chain, StringComparison.Ordinal);
        Assert.Contains(parent, chain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("info", "inspect")]
    [InlineData("map", "map")]
    public void A_broken_vhdx_file_is_read_as_a_vhdx_not_called_an_invalid_vhd(string verb, string doing)
    {
        byte[] content = new byte[1024 * 1024];
        "vhdxfile"u8.CopyTo(content);
        File.WriteAllBytes(_folder.File("x.vhdx"), content);
        ProcessResult result = CliRunner.RunIn(_folder.Path, verb, "x.vhdx");
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"vhd: cannot {doing} x.vhdx: not a valid VHDX: Neither VHDX header is valid", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("not a valid VHD:", result.Stderr, StringComparison.Ordinal);
    }
}
