using System.Text.Json;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

public class CheckCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Check_exits_0_when_clean_2_with_faults_and_3_when_all_are_repairable()
    {
        string clean = ImageFiles.Dynamic(_folder.File("clean.vhd"));
        string broken = CheckFixtures.Build(FaultCode.HeaderCookie, Directory.CreateDirectory(_folder.File("broken")).FullName);
        string repairable = CheckFixtures.Build(FaultCode.HeaderChecksum, Directory.CreateDirectory(_folder.File("repairable")).FullName);
        string readable = CheckFixtures.Build(FaultCode.EndFooterMissing, Directory.CreateDirectory(_folder.File("readable")).FullName);
        string warned = CheckFixtures.Build(FaultCode.FooterSavedState, Directory.CreateDirectory(_folder.File("warned")).FullName);

        Assert.Equal(0, CliRunner.Run("check", clean).ExitCode);
        Assert.Equal(0, CliRunner.Run("check", warned).ExitCode);
        Assert.Equal(2, CliRunner.Run("check", broken).ExitCode);
        ProcessResult before = CliRunner.Run("check", repairable);
        Assert.Equal(3, before.ExitCode);
        Assert.Contains(nameof(FaultCode.HeaderChecksum), before.Stdout, StringComparison.Ordinal);

        // A lost end footer is read from its copy at offset 0: the image opens, so check exits 0 and says repair fixes it.
        ProcessResult opens = CliRunner.Run("check", readable);
        Assert.Equal(0, opens.ExitCode);
        Assert.Contains(nameof(FaultCode.EndFooterMissing), opens.Stdout, StringComparison.Ordinal);
        Assert.Contains("`vhd repair` fixes", opens.Stdout, StringComparison.Ordinal);

        byte[] bytes = File.ReadAllBytes(repairable);
        Assert.Equal(0, CliRunner.Run("repair", "--dry-run", repairable).ExitCode);
        Assert.Equal(bytes, File.ReadAllBytes(repairable));
        Assert.Equal(0, CliRunner.Run("repair", repairable).ExitCode);
        Assert.Equal(0, CliRunner.Run("check", repairable).ExitCode);
        Assert.Equal(2, CliRunner.Run("repair", broken).ExitCode);
        Assert.Equal(1, CliRunner.Run("check", _folder.File("missing.vhd")).ExitCode);
    }

    [Fact]
    public void Check_json_has_a_stable_shape()
    {
        string file = CheckFixtures.Build(FaultCode.HeaderChecksum, _folder.Path);
        ProcessResult result = CliRunner.Run("check", "--json", file);
        Assert.Equal(3, result.ExitCode);

        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        JsonElement root = json.RootElement;
        Assert.Equal(["schemaVersion", "command", "filename", "format", "chain", "clean", "repairable", "exit-code", "faults", "repairs", "warnings", "error"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(file, root.GetProperty("filename").GetString());
        Assert.False(root.GetProperty("clean").GetBoolean());
        Assert.True(root.GetProperty("repairable").GetBoolean());
        Assert.Equal(3, root.GetProperty("exit-code").GetInt32());
        JsonElement fault = Assert.Single(root.GetProperty("faults").EnumerateArray());
        Assert.Equal(["code", "severity", "structure", "offset", "message", "repairable", "filename"], fault.EnumerateObject().Select(p => p.Name));
        Assert.Equal("header-checksum", fault.GetProperty("code").GetString());
        Assert.Equal("error", fault.GetProperty("severity").GetString());
        Assert.Equal(512 + 36, fault.GetProperty("offset").GetInt64());
    }

    [Fact]
    public void Check_chain_reports_a_missing_parent()
    {
        string file = CheckFixtures.Build(FaultCode.ParentNotFound, _folder.Path);
        Assert.Equal(0, CliRunner.Run("check", file).ExitCode);
        ProcessResult result = CliRunner.Run("check", "--chain", "--json", file);
        Assert.Equal(2, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("parent-not-found", json.RootElement.GetProperty("faults")[0].GetProperty("code").GetString());
    }
}
