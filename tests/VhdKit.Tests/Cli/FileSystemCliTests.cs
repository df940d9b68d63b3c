using System.Text.Json;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary><c>vhd create --filesystem fat16|fat32 [--label NAME] [--add FOLDER]</c>, run as a process.</summary>
public sealed class FileSystemCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Create_with_a_filesystem_and_a_folder_reports_the_volume_in_text_and_json()
    {
        string seed = _folder.File("seed");
        Directory.CreateDirectory(Path.Combine(seed, "scripts"));
        File.WriteAllText(Path.Combine(seed, "user-data"), "#cloud-config\n");
        File.WriteAllText(Path.Combine(seed, "meta-data"), "instance-id: one\n");
        File.WriteAllText(Path.Combine(seed, "scripts", "setup.sh"), "echo hi\n");

        ProcessResult text = CliRunner.Run("create", "--filesystem", "fat32", "--label", "cidata", "--add", seed, _folder.File("text.vhd"), "600M");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("(FAT32 volume CIDATA: 3 files (39 bytes) in 1 folders,", text.Stdout, StringComparison.Ordinal);

        ProcessResult json = CliRunner.Run("create", "--filesystem", "fat16", "--add", seed, "--type", "fixed", "--output", "json", _folder.File("json.vhd"), "32M");
        Assert.True(json.ExitCode == 0, json.Stderr);
        using JsonDocument document = JsonSchemaCheck.AssertValid(json.Stdout, "create");
        JsonElement volume = document.RootElement.GetProperty("file-system");
        Assert.Equal("fat16", volume.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, volume.GetProperty("label").ValueKind);
        Assert.Equal(1L << 20, volume.GetProperty("partition-offset").GetInt64());
        Assert.Equal(31L << 20, volume.GetProperty("partition-size").GetInt64());
        Assert.Equal(3, volume.GetProperty("files").GetInt32());
        Assert.Equal(1, volume.GetProperty("folders").GetInt32());

        (string raw, string partition) = FatPeers.Extract(_folder.File("json.vhd"));
        Assert.Equal(0, FatPeers.Fsck(partition).ExitCode);
        Assert.Equal("echo hi\n", FatPeers.Mtools("mtype", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/scripts/setup.sh").Stdout);
    }

    [Fact]
    public void An_unformatted_create_reports_no_file_system()
    {
        ProcessResult json = CliRunner.Run("create", "--json", _folder.File("plain.vhd"), "8M");
        using JsonDocument document = JsonSchemaCheck.AssertValid(json.Stdout, "create");
        Assert.Equal(JsonValueKind.Null, document.RootElement.GetProperty("file-system").ValueKind);
    }

    [Fact]
    public void A_tree_that_does_not_fit_is_an_invalid_argument_and_leaves_no_file()
    {
        string seed = _folder.File("seed");
        Directory.CreateDirectory(seed);
        File.WriteAllBytes(Path.Combine(seed, "big.bin"), new byte[10 << 20]);
        ProcessResult json = CliRunner.Run("create", "--filesystem", "fat16", "--add", seed, "--json", _folder.File("small.vhd"), "8M");
        Assert.Equal(1, json.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(json.Stdout, "create");
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.Equal("invalid-argument", error.GetProperty("code").GetString());
        Assert.Contains("do not fit the FAT16 volume", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("small.vhd")));
        Assert.Equal([seed], Directory.GetFileSystemEntries(_folder.Path));
    }

    [Fact]
    public void A_formatted_vhdx_holds_the_volume_and_its_files_and_checks_clean_in_fsck()
    {
        string seed = _folder.File("seed");
        Directory.CreateDirectory(Path.Combine(seed, "scripts"));
        File.WriteAllText(Path.Combine(seed, "user-data"), "#cloud-config\n");
        File.WriteAllText(Path.Combine(seed, "scripts", "setup.sh"), "echo hi\n");
        foreach ((string type, string file, string size, string vhdxType) in new[] { ("fat32", "data.vhdx", "600M", "dynamic"), ("fat16", "small.vhdx", "32M", "fixed") })
        {
            ProcessResult result = CliRunner.Run("create", "--filesystem", type, "--label", "cidata", "--add", seed, "--type", vhdxType, _folder.File(file), size);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Contains($"({type.ToUpperInvariant()} volume CIDATA: 2 files", result.Stdout, StringComparison.Ordinal);
            (string raw, string partition) = FatPeers.Extract(_folder.File(file));
            Assert.Equal(0, FatPeers.Fsck(partition).ExitCode);
            Assert.Equal("echo hi\n", FatPeers.Mtools("mtype", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/scripts/setup.sh").Stdout);
            PeerTools.RunOk(PeerTools.Require("qemu-img"), "check", "-f", "vhdx", _folder.File(file));
        }

        ProcessResult sector = CliRunner.Run("create", "--filesystem", "fat32", "--logical-sector-size", "4096", _folder.File("big.vhdx"), "600M");
        Assert.Equal(1, sector.ExitCode);
        Assert.Contains("512-byte logical sectors", sector.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("big.vhdx")));
    }

    [Theory]
    [InlineData("--label", "X")]
    [InlineData("--add", "/tmp")]
    public void Label_and_add_without_a_filesystem_are_refused(string option, string value)
    {
        ProcessResult result = CliRunner.Run("create", option, value, _folder.File("d.vhd"), "8M");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("go with --filesystem", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("d.vhd")));
    }

    [Fact]
    public void A_filesystem_on_a_differencing_disk_is_refused()
    {
        Assert.Equal(0, CliRunner.Run("create", _folder.File("base.vhd"), "8M").ExitCode);
        ProcessResult result = CliRunner.Run("create", "--filesystem", "fat16", "--parent", _folder.File("base.vhd"), _folder.File("child.vhd"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("differencing disk", result.Stderr, StringComparison.Ordinal);
    }
}
