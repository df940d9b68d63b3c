using System.Text.Json;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary><c>vhd check</c>, <c>vhd repair</c> and <c>vhd rebase</c> of a VHDX from the command line: qemu-img's exit codes, the JSON documents against the schema.</summary>
public class VhdxCheckCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Check_of_a_vhdx_with_a_block_outside_the_file_exits_3_with_format_vhdx_and_repair_fixes_it()
    {
        string file = VhdxCheckFixtures.Build(FaultCode.BatEntryPastEnd, _folder.Path);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "check", "--output=json", Path.GetFileName(file));
        Assert.Equal(3, result.ExitCode);
        using (JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "check"))
        {
            JsonElement root = document.RootElement;
            Assert.Equal("vhdx", root.GetProperty("format").GetString());
            JsonElement fault = Assert.Single(root.GetProperty("faults").EnumerateArray());
            Assert.Equal("bat-entry-past-end", fault.GetProperty("code").GetString());
            Assert.Equal(3L << 20, fault.GetProperty("offset").GetInt64());
        }

        ProcessResult repair = CliRunner.RunIn(_folder.Path, "repair", "--output=json", Path.GetFileName(file));
        Assert.Equal(0, repair.ExitCode);
        using (JsonDocument document = JsonSchemaCheck.AssertValid(repair.Stdout, "repair"))
        {
            Assert.Equal("clear-bat-entry", Assert.Single(document.RootElement.GetProperty("actions").EnumerateArray()).GetProperty("kind").GetString());
        }

        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "check", Path.GetFileName(file)).ExitCode);
    }

    [Fact]
    public void Check_of_a_vhdx_with_a_pending_log_exits_0_and_check_r_applies_it()
    {
        string file = VhdxCheckFixtures.Build(FaultCode.VhdxLogPending, _folder.Path);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "check", "--output=json", "-r", "all", Path.GetFileName(file));
        Assert.Equal(0, result.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "check");
        Assert.Equal("replay-vhdx-log", Assert.Single(document.RootElement.GetProperty("repairs").EnumerateArray()).GetProperty("kind").GetString());
        Assert.Empty(document.RootElement.GetProperty("faults").EnumerateArray());
    }

    [Fact]
    public void Check_of_a_vhdx_whose_metadata_is_broken_exits_2()
    {
        string file = VhdxCheckFixtures.Build(FaultCode.VhdxMetadataItem, _folder.Path);
        Assert.Equal(2, CliRunner.RunIn(_folder.Path, "check", Path.GetFileName(file)).ExitCode);
    }

    [Fact]
    public void Rebase_of_a_vhdx_child_from_the_cli_names_its_new_relative_path_in_json()
    {
        string child = VhdxCheckFixtures.Child(_folder.Path);
        Directory.CreateDirectory(_folder.File("m"));
        File.Move(_folder.File("base.vhdx"), _folder.File(Path.Combine("m", "base.vhdx")));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "rebase", "--output=json", "-u", "-b", Path.Combine("m", "base.vhdx"), "-F", "vhdx", Path.GetFileName(child));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "rebase");
        Assert.Equal(@".\m\base.vhdx", document.RootElement.GetProperty("backing-filename").GetString());
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "check", "--chain", Path.GetFileName(child)).ExitCode);
    }

    [Theory]
    [InlineData("vpc", "vhdx")]
    [InlineData("raw", "vhdx")]
    [InlineData("vhdx", "vhd")]
    public void Rebase_with_a_backing_format_other_than_the_childs_is_refused_and_the_child_unchanged(string declared, string childFormat)
    {
        string child;
        if (childFormat == "vhdx")
        {
            child = VhdxCheckFixtures.Child(_folder.Path);
        }
        else
        {
            string parent = _folder.File("base.vhd");
            Assert.Equal(0, CliRunner.Run("create", parent, "8M").ExitCode);
            child = _folder.File("child.vhd");
            Assert.Equal(0, CliRunner.Run("create", "--parent", parent, child).ExitCode);
        }

        byte[] before = File.ReadAllBytes(child);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "rebase", "-u", "-b", "elsewhere." + childFormat, "-F", declared, Path.GetFileName(child));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("-F " + declared, result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(child));
    }
}
