using System.Text.Json;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>vhd write / read / map / compare / convert, as processes.</summary>
public class ChainIoCliTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static void Ok(ProcessResult result) => Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

    [Fact]
    public void Write_read_map_compare_and_convert_a_chain()
    {
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "8MiB", "base.vhd"));
        var payload = new byte[3000];
        new Random(1).NextBytes(payload);
        File.WriteAllBytes(_folder.File("payload.bin"), payload);
        Ok(CliRunner.RunIn(_folder.Path, "write", "base.vhd", "--offset", "100", "--from", "payload.bin"));
        Ok(CliRunner.RunIn(_folder.Path, "create", "--parent", "base.vhd", "child.vhd"));
        Ok(CliRunner.RunIn(_folder.Path, "write", "child.vhd", "--offset", "3MiB", "--from", "payload.bin"));

        Ok(CliRunner.RunIn(_folder.Path, "read", "child.vhd", "--offset", "100", "--length", "3000", "--to", "a.bin"));
        Assert.Equal(payload, File.ReadAllBytes(_folder.File("a.bin")));

        ProcessResult map = CliRunner.RunIn(_folder.Path, "map", "--json", "child.vhd");
        Ok(map);
        using JsonDocument extents = JsonDocument.Parse(map.Stdout);
        var layers = extents.RootElement.GetProperty("extents").EnumerateArray()
            .Select(e => (e.GetProperty("start").GetInt64(), e.GetProperty("length").GetInt64(), e.GetProperty("depth").ValueKind == JsonValueKind.Null ? (int?)null : e.GetProperty("depth").GetInt32())).ToList();
        Assert.Equal([(0L, 3584L, 1), (3584L, (3L << 20) - 3584, null), (3L << 20, 3072L, 0), ((3L << 20) + 3072, (5L << 20) - 3072, null)], layers);

        Ok(CliRunner.RunIn(_folder.Path, "convert", "--format", "raw", "child.vhd", "flat.raw"));
        Ok(CliRunner.RunIn(_folder.Path, "convert", "child.vhd", "flat.vhd"));
        Ok(CliRunner.RunIn(_folder.Path, "compare", "child.vhd", "flat.raw"));
        Ok(CliRunner.RunIn(_folder.Path, "compare", "flat.vhd", "flat.raw"));
        byte[] raw = File.ReadAllBytes(_folder.File("flat.raw"));
        Assert.Equal(payload, raw.AsSpan(100, 3000).ToArray());
        Assert.Equal(payload, raw.AsSpan(3 << 20, 3000).ToArray());

        ProcessResult differ = CliRunner.RunIn(_folder.Path, "compare", "base.vhd", "flat.raw");
        Assert.Equal(1, differ.ExitCode);
        Assert.Contains($"offset {3 << 20}", differ.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.RunIn(_folder.Path, "compare", "base.vhd", "missing.raw").ExitCode);
    }

    [Fact]
    public void Writes_past_the_end_and_existing_outputs_are_refused()
    {
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "4MiB", "d.vhd"));
        File.WriteAllBytes(_folder.File("p.bin"), new byte[1024]);
        Assert.NotEqual(0, CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "4MiB", "--from", "p.bin").ExitCode);
        File.WriteAllText(_folder.File("exists.raw"), "keep");
        Assert.NotEqual(0, CliRunner.RunIn(_folder.Path, "convert", "-O", "raw", "d.vhd", "exists.raw").ExitCode);
        Assert.NotEqual(0, CliRunner.RunIn(_folder.Path, "read", "d.vhd", "--to", "exists.raw").ExitCode);
        Assert.Equal("keep", File.ReadAllText(_folder.File("exists.raw")));
    }
}
