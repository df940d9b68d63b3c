using System.Text.Json;
using VhdKit.Chain;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>The vhd verbs on VHDX files: create, info (text and JSON against the schema), read, map, compare, convert.</summary>
public class VhdxCliTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private JsonElement Ok(string command, params string[] arguments)
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, [.. arguments, "--output=json"]);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, command);
        return document.RootElement.Clone();
    }

    /// <summary>base.vhdx (fixed, 8 MiB, 1 MiB blocks, data at its start) and child.vhdx on it with sectors of its own.</summary>
    private byte[] Chain()
    {
        Assert.Equal("vhdx", Ok("create", "create", "--type", "fixed", "--block-size", "1M", "base.vhdx", "8M").GetProperty("format").GetString());
        var model = new byte[8 * MiB];
        byte[] data = VhdxTestFiles.Pattern(2 * MiB, 3);
        VhdxTestFiles.WriteFixed(_folder.File("base.vhdx"), 0, data);
        data.CopyTo(model, 0);
        JsonElement child = Ok("create", "create", "-b", "base.vhdx", "child.vhdx");
        Assert.Equal("differencing", child.GetProperty("subformat").GetString());
        Assert.Equal(@".\base.vhdx", child.GetProperty("backing-filename").GetString());
        byte[] own = VhdxTestFiles.Pattern(4096, 4);
        VhdxTestFiles.WriteChild(_folder.File("child.vhdx"), MiB + 512, own);
        own.CopyTo(model, MiB + 512);
        return model;
    }

    [Fact]
    public void Info_shows_every_vhdx_structure_in_json_and_text()
    {
        Chain();
        JsonElement info = Ok("info", "info", "--chain", "child.vhdx");
        Assert.Equal(0, info.GetProperty("images").GetArrayLength());
        JsonElement leaf = info.GetProperty("vhdx-images")[0];
        Assert.Equal(2, info.GetProperty("vhdx-images").GetArrayLength());
        Assert.Equal("differencing", leaf.GetProperty("subformat").GetString());
        Assert.Equal(2 * MiB, leaf.GetProperty("cluster-size").GetInt64());
        Assert.Equal(_folder.File("base.vhdx"), leaf.GetProperty("full-backing-filename").GetString());
        Assert.Equal(6, leaf.GetProperty("metadata-items").GetArrayLength());
        Assert.Equal(2, leaf.GetProperty("regions").GetArrayLength());
        Assert.False(leaf.GetProperty("log").GetProperty("pending").GetBoolean());
        Assert.Equal(1, leaf.GetProperty("bat").GetProperty("payload-states").GetProperty("partially-present").GetInt64());
        JsonElement parent = info.GetProperty("vhdx-images")[1];
        JsonElement linkage = leaf.GetProperty("parent-locator").EnumerateArray().First(e => e.GetProperty("key").GetString() == "parent_linkage");
        Assert.Equal(parent.GetProperty("headers")[1].GetProperty("data-write-guid").GetString(), linkage.GetProperty("value").GetString()!.Trim('{', '}'));

        ProcessResult text = CliRunner.RunIn(_folder.Path, "info", "child.vhdx");
        Assert.True(text.ExitCode == 0, text.Stderr);
        Assert.Contains("Parent locator parent_linkage", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("empty (LogGuid zero)", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_map_compare_and_convert_go_through_the_vhdx_chain()
    {
        byte[] model = Chain();
        Ok("read", "read", "child.vhdx", "--to", "out.raw");
        Assert.Equal(model, File.ReadAllBytes(_folder.File("out.raw")));

        JsonElement map = Ok("map", "map", "child.vhdx");
        JsonElement[] extents = [.. map.GetProperty("extents").EnumerateArray()];
        Assert.Contains(extents, e => e.GetProperty("start").GetInt64() == MiB + 512 && e.GetProperty("filename").GetString() == _folder.File("child.vhdx"));
        Assert.Contains(extents, e => e.GetProperty("filename").GetString() == _folder.File("base.vhdx"));

        Ok("convert", "convert", "-O", "raw", "child.vhdx", "c.raw");
        Assert.Equal(model, File.ReadAllBytes(_folder.File("c.raw")));
        JsonElement converted = Ok("convert", "convert", "child.vhdx", "c.vhd");
        Assert.Equal("vhdx", converted.GetProperty("source").GetProperty("format").GetString());
        Assert.True(Ok("compare", "compare", "c.vhd", "child.vhdx").GetProperty("identical").GetBoolean());
        ProcessResult different = CliRunner.RunIn(_folder.Path, "compare", "base.vhdx", "child.vhdx");
        Assert.Equal(1, different.ExitCode); // qemu-img compare: 1 when the images differ
    }

    [Fact]
    public void Create_makes_vhdx_by_name_or_format_and_refuses_what_vhdx_does_not_take()
    {
        Assert.Equal("vhdx", Ok("create", "create", "-f", "vhdx", "a.img", "16M").GetProperty("format").GetString());
        Assert.Equal("vpc", Ok("create", "create", "-f", "vpc", "b.vhdx", "16M").GetProperty("format").GetString());
        Assert.Equal(4 * MiB, Ok("create", "create", "-o", "block_size=4M", "--logical-sector-size", "4096", "c.vhdx", "16M").GetProperty("cluster-size").GetInt64());
        ProcessResult vhdParent = CliRunner.RunIn(_folder.Path, "create", "-b", "b.vhdx", "d.vhdx");
        Assert.Equal(1, vhdParent.ExitCode);
        Assert.Contains("needs a VHDX parent", vhdParent.Stderr, StringComparison.Ordinal);
        ProcessResult sector = CliRunner.RunIn(_folder.Path, "create", "--logical-sector-size", "4096", "e.vhd", "16M");
        Assert.Equal(1, sector.ExitCode);
        Assert.Contains("is for a VHDX", sector.Stderr, StringComparison.Ordinal);
        File.WriteAllBytes(_folder.File("pattern.bin"), Enumerable.Repeat((byte)0x5a, 5000).ToArray());
        ProcessResult write = CliRunner.RunIn(_folder.Path, "write", "a.img", "--offset", "1000", "--from", "pattern.bin");
        Assert.True(write.ExitCode == 0, write.Stderr);
        using VirtualDisk written = VirtualDisk.Open(_folder.File("a.img"), new VirtualDiskOptions { ReadOnly = true });
        var back = new byte[7000];
        written.Read(back, 0);
        Assert.True(back.AsSpan(0, 1000).IndexOfAnyExcept((byte)0) < 0 && back.AsSpan(1000, 5000).IndexOfAnyExcept((byte)0x5a) < 0 && back.AsSpan(6000).IndexOfAnyExcept((byte)0) < 0);
    }
}
