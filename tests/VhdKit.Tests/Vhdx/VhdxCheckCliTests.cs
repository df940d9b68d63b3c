using System.Text.Json;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary><c>vhd check</c> and <c>vhd repair</c> of a VHDX from the command line: qemu-img's exit codes, the JSON document against the schema.</summary>
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
}
