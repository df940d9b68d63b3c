using System.Text.Json;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>The shared options every verb takes: <c>--output text|json</c> (and <c>=</c> spelling, and <c>--json</c>), <c>-q</c>.</summary>
public class OutputModeCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--output=json")]
    [InlineData("--output", "json")]
    [InlineData("--json")]
    public void Info_takes_every_spelling_of_json_output(params string[] spelling)
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        ProcessResult result = CliRunner.Run(["info", .. spelling, path]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("dynamic", json.RootElement.GetProperty("images")[0].GetProperty("subformat").GetString());
    }

    [Fact]
    public void Json_output_is_one_json_document_with_the_error_inside_when_a_parent_is_missing()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        File.Delete(parent);
        ProcessResult result = CliRunner.Run("info", "--chain", "--output=json", child);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        JsonElement error = json.RootElement.GetProperty("error");
        Assert.Contains(Path.GetFullPath(parent), error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("info", json.RootElement.GetProperty("command").GetString());
        Assert.Equal("parent-not-found", error.GetProperty("code").GetString());
    }

    [Fact]
    public void Json_output_carries_the_warnings_inside_and_leaves_stderr_empty()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        string child = ImageFiles.Differencing(_folder.File("child.vhd"), parent);
        File.SetLastWriteTimeUtc(parent, DateTime.UtcNow.AddDays(1));
        ProcessResult result = CliRunner.Run("map", "--json", child);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(string.Empty, result.Stderr);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        Assert.Contains("modified after", json.RootElement.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_output_mode_is_refused()
    {
        string path = ImageFiles.Dynamic(_folder.File("d.vhd"));
        ProcessResult result = CliRunner.Run("info", "--output=yaml", path);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("expected text or json, got 'yaml'", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Quiet_drops_the_chatter_but_not_the_result()
    {
        ProcessResult created = CliRunner.RunIn(_folder.Path, "create", "-q", "--size", "8MiB", "d.vhd");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal(string.Empty, created.Stdout);
        ProcessResult info = CliRunner.RunIn(_folder.Path, "info", "-q", "d.vhd");
        Assert.Contains("Virtual size", info.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parse_error_is_one_plain_line_pointing_at_the_help()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "x.vhd", "8M", "--type", "weird");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
        string line = Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith("vhd create: argument 'weird' not recognized.", line, StringComparison.Ordinal);
        Assert.EndsWith("See `vhd create --help`.", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u000A", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parse_error_in_json_mode_is_one_json_document()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "--output=json");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        using JsonDocument json = JsonDocument.Parse(result.Stdout);
        Assert.Contains("required argument 'FILE' missing", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
