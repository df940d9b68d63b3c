using System.Text.Json;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Nbd;
using VhdKit.Tests.Nbd;
using VhdKit.Tests.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Json;

/// <summary>
/// Every verb of the real <c>vhd</c> tool with <c>--output=json</c>, on real images named by relative paths: each
/// document is valid against docs/json.schema.json (so kebab-case keys, no hex strings: see
/// <see cref="JsonSchemaCheck.AssertValid"/>), its paths are absolute and its numbers are the files' facts.
/// </summary>
public class VerbJsonTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Create_reports_the_new_image_read_back()
    {
        JsonElement dynamic = Ok("create", "create", "-s", "8MiB", "d.vhd");
        Assert.Equal(_folder.File("d.vhd"), dynamic.GetProperty("filename").GetString());
        Assert.Equal("dynamic", dynamic.GetProperty("subformat").GetString());
        Assert.Equal(8 * MiB, dynamic.GetProperty("virtual-size").GetInt64());
        Assert.Equal(new FileInfo(_folder.File("d.vhd")).Length, dynamic.GetProperty("file-length").GetInt64());
        Assert.Equal(2 * MiB, dynamic.GetProperty("cluster-size").GetInt64());
        Assert.Equal(JsonValueKind.Null, dynamic.GetProperty("backing-filename").ValueKind);

        JsonElement fixedDisk = Ok("create", "create", "--type", "fixed", "-s", "4MiB", "f.vhd");
        Assert.Equal("fixed", fixedDisk.GetProperty("subformat").GetString());
        Assert.Equal(JsonValueKind.Null, fixedDisk.GetProperty("cluster-size").ValueKind);

        JsonElement child = Ok("create", "create", "--parent", "d.vhd", "sub/c.vhd");
        Assert.Equal("differencing", child.GetProperty("subformat").GetString());
        Assert.Equal(@"..\d.vhd", child.GetProperty("backing-filename").GetString());
        Assert.Equal(_folder.File("d.vhd"), child.GetProperty("full-backing-filename").GetString());
    }

    [Fact]
    public void Info_of_a_chain_names_every_image_absolutely_with_qemu_img_keys()
    {
        (string parent, string child) = Chain();
        JsonElement info = Ok("info", "info", "--chain", "c.vhd");
        Assert.Equal(child, info.GetProperty("filename").GetString());
        Assert.True(info.GetProperty("chain").GetBoolean());
        JsonElement[] images = [.. info.GetProperty("images").EnumerateArray()];
        Assert.Equal(2, images.Length);
        Assert.Equal([child, parent], images.Select(i => i.GetProperty("filename").GetString()));
        foreach (JsonElement image in images)
        {
            string file = image.GetProperty("filename").GetString()!;
            Assert.Equal("vpc", image.GetProperty("format").GetString());
            Assert.Equal(8 * MiB, image.GetProperty("virtual-size").GetInt64());
            Assert.Equal(new FileInfo(file).Length, image.GetProperty("file-length").GetInt64());
            Assert.False(image.GetProperty("dirty-flag").GetBoolean());
        }

        Assert.Equal(@".\base.vhd", images[0].GetProperty("backing-filename").GetString());
        Assert.Equal(parent, images[0].GetProperty("full-backing-filename").GetString());
        Assert.Equal("vpc", images[0].GetProperty("backing-filename-format").GetString());
        Assert.Equal(JsonValueKind.Null, images[1].GetProperty("backing-filename").ValueKind);
        Assert.Equal(512, images[0].GetProperty("footer").GetProperty("data-offset").GetInt64());
        Assert.Equal(parent, images[1].GetProperty("link").GetProperty("attempts")[0].GetProperty("filename").GetString());
        Assert.Equal("accepted", images[1].GetProperty("link").GetProperty("attempts")[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public void Info_of_a_fixed_disk_says_null_where_it_has_no_header()
    {
        ImageFiles.Fixed(_folder.File("f.vhd"));
        JsonElement image = Ok("info", "info", "f.vhd").GetProperty("images")[0];
        Assert.Equal(JsonValueKind.Null, image.GetProperty("dynamic-header").ValueKind);
        Assert.Equal(JsonValueKind.Null, image.GetProperty("footer").GetProperty("data-offset").ValueKind);
        Assert.Equal(JsonValueKind.Null, image.GetProperty("cluster-size").ValueKind);
        Assert.Equal(JsonValueKind.Null, image.GetProperty("link").ValueKind);
    }

    [Fact]
    public void Info_chain_with_a_missing_parent_is_one_json_document_with_the_error_inside()
    {
        (string parent, _) = Chain();
        File.Delete(parent);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "--chain", "--output=json", "c.vhd");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "info");
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.Equal("parent-not-found", error.GetProperty("code").GetString());
        Assert.Contains(parent, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_of_a_format_not_read_yet_is_unsupported_format_not_invalid_image()
    {
        byte[] qcow2 = new byte[1024 * 1024];
        "QFI"u8.CopyTo(qcow2);
        qcow2[3] = 0xFB; // qcow2's magic QFI\xfb
        File.WriteAllBytes(_folder.File("d.qcow2"), qcow2);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "--output=json", "d.qcow2");
        Assert.Equal(1, result.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "info");
        Assert.Equal("unsupported-format", document.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public void An_interrupted_merge_sets_the_dirty_flag_and_refusals_say_merge_interrupted()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        using (VhdImage image = VhdImage.Open(parent))
        {
            MergeJournal.Write(parent, [_folder.File("gone.vhd")], image.UniqueId);
        }

        JsonElement image0 = Ok("info", "info", "base.vhd").GetProperty("images")[0];
        Assert.True(image0.GetProperty("dirty-flag").GetBoolean());

        ProcessResult refused = CliRunner.RunIn(_folder.Path, "create", "--output=json", "--parent", "base.vhd", "c.vhd");
        Assert.Equal(1, refused.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(refused.Stdout, "create");
        Assert.Equal("merge-interrupted", document.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public void Map_covers_the_disk_with_qemu_img_map_keys_and_null_depth_where_no_layer_holds_data()
    {
        (string parent, string child) = Chain();
        JsonElement map = Ok("map", "map", "c.vhd");
        Assert.Equal(child, map.GetProperty("filename").GetString());
        Assert.Equal(8 * MiB, map.GetProperty("virtual-size").GetInt64());
        JsonElement[] extents = [.. map.GetProperty("extents").EnumerateArray()];
        Assert.Equal(8 * MiB, extents.Sum(e => e.GetProperty("length").GetInt64()));
        Assert.Equal([(0L, 0, parent), (512L, 1, (string?)null), (MiB, 0, child)],
            extents.Take(3).Select(e => (e.GetProperty("start").GetInt64(), e.GetProperty("depth").ValueKind == JsonValueKind.Null ? 1 : 0, e.GetProperty("filename").GetString())));
        Assert.Equal(1, extents[0].GetProperty("depth").GetInt32());
        Assert.Equal(0, extents[2].GetProperty("depth").GetInt32());
        Assert.All(extents, e => Assert.Equal(e.GetProperty("present").GetBoolean(), !e.GetProperty("zero").GetBoolean()));
    }

    [Fact]
    public void Read_names_where_the_bytes_went_and_refuses_standard_output_with_json()
    {
        Chain();
        JsonElement read = Ok("read", "read", "c.vhd", "--offset", "1MiB", "--length", "4096", "--to", "out.bin");
        Assert.Equal(MiB, read.GetProperty("offset").GetInt64());
        Assert.Equal(4096, read.GetProperty("length").GetInt64());
        Assert.Equal(_folder.File("out.bin"), read.GetProperty("destination").GetString());
        Assert.Equal(4096, new FileInfo(_folder.File("out.bin")).Length);

        ProcessResult toStdout = CliRunner.RunIn(_folder.Path, "read", "--output=json", "c.vhd", "--to", "-");
        Assert.Equal(1, toStdout.ExitCode);
        using JsonDocument refused = JsonSchemaCheck.AssertValid(toStdout.Stdout, "read");
        Assert.Equal("invalid-argument", refused.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public void Write_reports_what_it_wrote_and_when_it_fails_part_way_what_was_written_and_flushed()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllBytes(_folder.File("in.bin"), new byte[3000]);
        JsonElement wrote = Ok("write", "write", "d.vhd", "--offset", "100", "--from", "in.bin");
        Assert.Equal(3000, wrote.GetProperty("bytes-written").GetInt64());
        Assert.Equal(3000, wrote.GetProperty("bytes-flushed").GetInt64());
        Assert.Equal(_folder.File("in.bin"), wrote.GetProperty("source").GetString());

        // Standard input runs past the end: two 1 MiB reads fit from 6 MiB, the third does not.
        ProcessResult partial = PeerTools.Run("dotnet", [CliRunner.VhdDll, "write", "--output=json", "d.vhd", "--offset", "6MiB", "--from", "-"],
            _folder.Path, stdin: new string('a', (int)(3 * MiB)));
        Assert.Equal(1, partial.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(partial.Stdout, "write");
        JsonElement root = document.RootElement;
        Assert.Equal("invalid-argument", root.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(2 * MiB, root.GetProperty("bytes-written").GetInt64());
        Assert.Equal(2 * MiB, root.GetProperty("bytes-flushed").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("source").ValueKind);
    }

    [Fact]
    public void Compare_gives_the_first_difference_as_a_number_or_null()
    {
        (string parent, string child) = Chain();
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "convert", "--format", "raw", "c.vhd", "flat.raw").ExitCode);
        JsonElement same = Ok("compare", "compare", "c.vhd", "flat.raw");
        Assert.True(same.GetProperty("identical").GetBoolean());
        Assert.Equal(JsonValueKind.Null, same.GetProperty("first-difference").ValueKind);
        Assert.Equal(child, same.GetProperty("first").GetProperty("filename").GetString());
        Assert.Equal("vpc", same.GetProperty("first").GetProperty("format").GetString());
        Assert.Equal("raw", same.GetProperty("second").GetProperty("format").GetString());
        Assert.Equal(JsonValueKind.Null, same.GetProperty("second").GetProperty("subformat").ValueKind);

        ProcessResult differ = CliRunner.RunIn(_folder.Path, "compare", "--output=json", "base.vhd", "flat.raw");
        Assert.Equal(1, differ.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(differ.Stdout, "compare");
        JsonSchemaCheck.AssertNoError(document);
        Assert.False(document.RootElement.GetProperty("identical").GetBoolean());
        Assert.Equal(MiB, document.RootElement.GetProperty("first-difference").GetInt64());
        Assert.Equal(parent, document.RootElement.GetProperty("first").GetProperty("filename").GetString());
    }

    [Fact]
    public void Convert_reports_the_source_and_the_new_file()
    {
        Chain();
        JsonElement raw = Ok("convert", "convert", "--format", "raw", "c.vhd", "flat.raw");
        Assert.Equal("differencing", raw.GetProperty("source").GetProperty("subformat").GetString());
        Assert.Equal("raw", raw.GetProperty("target").GetProperty("format").GetString());
        Assert.Equal(8 * MiB, raw.GetProperty("target").GetProperty("virtual-size").GetInt64());

        JsonElement dynamic = Ok("convert", "convert", "c.vhd", "flat.vhd");
        JsonElement target = dynamic.GetProperty("target");
        Assert.Equal(_folder.File("flat.vhd"), target.GetProperty("filename").GetString());
        Assert.Equal("dynamic", target.GetProperty("subformat").GetString());
        Assert.Equal(new FileInfo(_folder.File("flat.vhd")).Length, target.GetProperty("file-length").GetInt64());
        Assert.Equal(512 + 4096, dynamic.GetProperty("bytes-written").GetInt64());
    }

    [Fact]
    public void Merge_names_the_target_and_the_merged_images_absolutely()
    {
        (string parent, string child) = Chain();
        JsonElement merge = Ok("merge", "merge", "--delete-child", "c.vhd");
        Assert.Equal(child, merge.GetProperty("filename").GetString());
        Assert.Equal(parent, merge.GetProperty("target").GetString());
        Assert.Equal([child], merge.GetProperty("merged").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(4096, merge.GetProperty("bytes-merged").GetInt64());
        Assert.Equal([child], merge.GetProperty("deleted").EnumerateArray().Select(e => e.GetString()));
        Assert.False(File.Exists(child));
    }

    [Fact]
    public void Rebase_and_restamp_report_the_parent_now_named()
    {
        (string parent, _) = Chain();
        Directory.CreateDirectory(_folder.File("moved"));
        string moved = _folder.File("moved/base.vhd");
        File.Move(parent, moved);
        JsonElement rebase = Ok("rebase", "rebase", "--parent", "moved/base.vhd", "c.vhd");
        Assert.False(rebase.GetProperty("restamp").GetBoolean());
        Assert.Equal(moved, rebase.GetProperty("full-backing-filename").GetString());
        Assert.Equal(@".\moved\base.vhd", rebase.GetProperty("backing-filename").GetString());

        File.SetLastWriteTimeUtc(moved, DateTime.UtcNow.AddDays(1));
        JsonElement restamp = Ok("rebase", "rebase", "--restamp", "c.vhd");
        Assert.True(restamp.GetProperty("restamp").GetBoolean());
        Assert.Equal(moved, restamp.GetProperty("full-backing-filename").GetString());
    }

    [Fact]
    public void Compact_reports_the_file_before_and_now()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllBytes(_folder.File("zeros.bin"), new byte[4096]);
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "0", "--from", "zeros.bin").ExitCode);
        long before = new FileInfo(_folder.File("d.vhd")).Length;
        JsonElement compact = Ok("compact", "compact", "d.vhd");
        Assert.Equal(before, compact.GetProperty("file-length-before").GetInt64());
        Assert.Equal(new FileInfo(_folder.File("d.vhd")).Length, compact.GetProperty("file-length").GetInt64());
        Assert.Equal(1, compact.GetProperty("allocated-blocks-before").GetInt32());
        Assert.Equal(0, compact.GetProperty("allocated-blocks").GetInt32());
    }

    [Fact]
    public void Resize_reports_the_size_before_and_now()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        JsonElement resize = Ok("resize", "resize", "--size", "16MiB", "d.vhd");
        Assert.Equal(8 * MiB, resize.GetProperty("virtual-size-before").GetInt64());
        Assert.Equal(16 * MiB, resize.GetProperty("virtual-size").GetInt64());
        Assert.True(resize.GetProperty("file-length-before").GetInt64() <= resize.GetProperty("file-length").GetInt64());
        Assert.Equal(new FileInfo(_folder.File("d.vhd")).Length, resize.GetProperty("file-length").GetInt64());
        using VhdImage image = VhdImage.Open(_folder.File("d.vhd"));
        Assert.Equal(16 * MiB, image.Capacity);
    }

    [Fact]
    public void Check_of_a_damaged_image_lists_its_faults_with_kebab_case_codes_and_numeric_offsets()
    {
        string file = CheckFixtures.Build(FaultCode.HeaderChecksum, _folder.Path);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "check", "--output=json", Path.GetFileName(file));
        Assert.Equal(3, result.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "check");
        JsonSchemaCheck.AssertNoError(document);
        JsonElement root = document.RootElement;
        Assert.Equal(file, root.GetProperty("filename").GetString());
        Assert.Equal(3, root.GetProperty("exit-code").GetInt32());
        JsonElement fault = Assert.Single(root.GetProperty("faults").EnumerateArray());
        Assert.Equal("header-checksum", fault.GetProperty("code").GetString());
        Assert.Equal(512 + 36, fault.GetProperty("offset").GetInt64());
        Assert.Equal(file, fault.GetProperty("filename").GetString());
        Assert.Empty(root.GetProperty("repairs").EnumerateArray());
    }

    [Fact]
    public void Check_r_lists_what_it_repaired_before_checking()
    {
        string file = CheckFixtures.Build(FaultCode.HeaderChecksum, _folder.Path);
        JsonElement check = Ok("check", "check", "-r", "all", Path.GetFileName(file));
        Assert.Equal("fix-header-checksum", Assert.Single(check.GetProperty("repairs").EnumerateArray()).GetProperty("kind").GetString());
        Assert.True(check.GetProperty("clean").GetBoolean());
        Assert.Empty(check.GetProperty("faults").EnumerateArray());
    }

    [Fact]
    public void Check_chain_gives_a_chain_fault_a_null_offset_not_minus_one()
    {
        string file = CheckFixtures.Build(FaultCode.ParentNotFound, _folder.Path);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "check", "--chain", "--output=json", Path.GetFileName(file));
        Assert.Equal(2, result.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "check");
        JsonElement fault = document.RootElement.GetProperty("faults").EnumerateArray().Single(f => f.GetProperty("code").GetString() == "parent-not-found");
        Assert.Equal(JsonValueKind.Null, fault.GetProperty("offset").ValueKind);
        Assert.True(document.RootElement.GetProperty("chain").GetBoolean());
    }

    [Fact]
    public void Repair_lists_its_actions_and_what_check_finds_after()
    {
        string file = CheckFixtures.Build(FaultCode.HeaderChecksum, _folder.Path);
        string name = Path.GetFileName(file);
        JsonElement dryRun = Ok("repair", "repair", "--dry-run", name);
        Assert.True(dryRun.GetProperty("dry-run").GetBoolean());
        Assert.Equal("fix-header-checksum", Assert.Single(dryRun.GetProperty("actions").EnumerateArray()).GetProperty("kind").GetString());
        Assert.Equal("header-checksum", Assert.Single(dryRun.GetProperty("faults").EnumerateArray()).GetProperty("code").GetString());

        JsonElement repaired = Ok("repair", "repair", name);
        Assert.False(repaired.GetProperty("dry-run").GetBoolean());
        Assert.Equal(512 + 36, Assert.Single(repaired.GetProperty("actions").EnumerateArray()).GetProperty("offset").GetInt64());
        Assert.True(repaired.GetProperty("clean").GetBoolean());
        Assert.Empty(repaired.GetProperty("faults").EnumerateArray());
    }

    [Fact]
    public void Repair_of_an_image_it_cannot_fix_is_valid_and_says_it_is_not_clean()
    {
        string file = CheckFixtures.Build(FaultCode.HeaderCookie, _folder.Path);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "repair", "--output=json", Path.GetFileName(file));
        Assert.Equal(2, result.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "repair");
        Assert.False(document.RootElement.GetProperty("clean").GetBoolean());
        Assert.Contains(document.RootElement.GetProperty("faults").EnumerateArray(), f => f.GetProperty("code").GetString() == "header-cookie");
    }

    [Fact]
    public void Serve_announces_its_address_as_one_json_line()
    {
        (string _, string child) = Chain();
        string socket = _folder.File("nbd.sock");
        using ServeProcess server = ServeProcess.Start(child, socket, "--output=json", "--read-only");
        string line = server.Uri; // the first line of standard output
        using JsonDocument document = JsonSchemaCheck.AssertValid(line, "serve");
        JsonElement root = document.RootElement;
        Assert.Equal($"nbd+unix:///?socket={socket}", root.GetProperty("uri").GetString());
        Assert.Equal(child, root.GetProperty("filename").GetString());
        Assert.True(root.GetProperty("read-only").GetBoolean());
        Assert.Equal(8 * MiB, root.GetProperty("virtual-size").GetInt64());
    }

    [Theory]
    [InlineData("info", "--output=json")]
    [InlineData("check", "--json", "--no-such-option", "x.vhd")]
    [InlineData("resize", "--output", "json")]
    public void A_command_line_that_does_not_parse_still_gives_one_json_document(string verb, params string[] arguments)
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, [verb, .. arguments]);
        Assert.Equal(1, result.ExitCode);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, verb);
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.Equal("invalid-argument", error.GetProperty("code").GetString());
        Assert.StartsWith("cannot parse the command line: ", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["schemaVersion", "command", "warnings", "error"], document.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [SkippableFact]
    public void Ctrl_c_gives_one_json_document_with_the_error_code_cancelled()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "sends SIGINT with kill(1)");

        // A 2040 GiB sparse fixed disk: converting it reads for many minutes, so the signal lands mid-way.
        ImageFiles.Fixed(_folder.File("huge.vhd"), 2040L * 1024 * 1024 * 1024);
        using InterruptedRun run = InterruptedRun.Vhd(_folder.Path, "convert", "--output=json", "-O", "raw", "huge.vhd", "out.raw");
        run.Interrupt(() => Directory.GetFiles(_folder.Path, ".vhdkit-*.tmp").Length > 0, "the conversion");
        Assert.Equal(130, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        using JsonDocument document = JsonSchemaCheck.AssertValid(run.Stdout, "convert");
        JsonElement error = document.RootElement.GetProperty("error");
        Assert.Equal("cancelled", error.GetProperty("code").GetString());
        Assert.Contains("nothing was left behind", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Text_in_documents_is_not_html_escaped()
    {
        ImageFiles.Dynamic(_folder.File("it's <d>&.vhd"));
        ProcessResult result = CliRunner.RunIn(_folder.Path, "info", "--output=json", "it's <d>&.vhd");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains(_folder.File("it's <d>&.vhd"), result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", result.Stdout, StringComparison.Ordinal);
        JsonSchemaCheck.AssertValid(result.Stdout, "info").Dispose();
    }

    /// <summary>base.vhd (8 MiB, 512 bytes at 0) and its child c.vhd (4096 bytes at 1 MiB), side by side.</summary>
    private (string Parent, string Child) Chain()
    {
        string parent = ImageFiles.Dynamic(_folder.File("base.vhd"));
        File.WriteAllBytes(_folder.File("p.bin"), Enumerable.Repeat((byte)0xAB, 512).ToArray());
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "write", "base.vhd", "--offset", "0", "--from", "p.bin").ExitCode);
        string child = ImageFiles.Differencing(_folder.File("c.vhd"), parent);
        File.WriteAllBytes(_folder.File("c.bin"), Enumerable.Repeat((byte)0xCD, 4096).ToArray());
        Assert.Equal(0, CliRunner.RunIn(_folder.Path, "write", "c.vhd", "--offset", "1MiB", "--from", "c.bin").ExitCode);
        return (parent, child);
    }

    /// <summary>Runs <c>vhd ARGS --output=json</c> in the temp folder; asserts exit 0, a valid document of <paramref name="command"/> and no error.</summary>
    private JsonElement Ok(string command, params string[] arguments)
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, [arguments[0], "--output=json", .. arguments[1..]]);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stderr}{result.Stdout}");
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, command);
        JsonSchemaCheck.AssertNoError(document);
        return document.RootElement.Clone();
    }
}
