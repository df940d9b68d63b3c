using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Native;

/// <summary>
/// Issue #13: the <c>vhd</c> tool as a NativeAOT binary does on real files what the JIT build does: no reflection the
/// trimmer removed (System.CommandLine, Spectre.Console, enum parsing, the HRESULT names), P/Invoke into libc (fsync,
/// stat, lseek), Ctrl+C.
/// </summary>
[Collection(NativeRunsAlone.Name)]
public sealed partial class NativeVhdTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly NativeVhd _native;
    private readonly TempFolder _folder = new();

    public NativeVhdTests(NativeVhd native) => _native = native;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Publishing_with_PublishAot_gives_a_native_executable_and_no_trim_or_aot_warning()
    {
        string vhd = _native.Path;

        Assert.DoesNotMatch(TrimOrAotWarning(), _native.PublishOutput);
        Span<byte> magic = stackalloc byte[4];
        using (FileStream file = File.OpenRead(vhd))
        {
            file.ReadExactly(magic);
        }

        Assert.True(magic.SequenceEqual("\u007fELF"u8), $"{vhd} is not an ELF executable");
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(vhd)!, "vhd.dll")), "the publish folder holds vhd.dll: not a native build");
    }

    [SkippableFact]
    public void Version_is_the_same_as_the_jit_builds()
    {
        ProcessResult native = _native.RunIn(_folder.Path, "--version");
        ProcessResult jit = CliRunner.RunIn(_folder.Path, "--version");

        Assert.Equal(0, native.ExitCode);
        Assert.Equal(jit.Stdout, native.Stdout);
        Assert.Matches(@"^\d+\.\d+\.\d+", native.Stdout);
    }

    [SkippableFact]
    public void Create_dynamic_and_differencing_then_info_json_is_valid_and_agrees_with_qemu_img()
    {
        RunOk("create", "--type", "dynamic", "--size", "64MiB", "base.vhd");
        RunOk("create", "--parent", "base.vhd", "child.vhd");

        foreach ((string file, string subformat) in new[] { ("base.vhd", "dynamic"), ("child.vhd", "differencing") })
        {
            using JsonDocument document = JsonSchemaCheck.AssertValid(RunOk("info", "--output=json", file), "info");
            JsonSchemaCheck.AssertNoError(document);
            JsonElement image = document.RootElement.GetProperty("images")[0];
            Assert.Equal(subformat, image.GetProperty("subformat").GetString());
            Assert.Equal(64 * MiB, image.GetProperty("virtual-size").GetInt64());
            Assert.Equal(Peers.QemuImgInfo(_folder.File(file)).VirtualSize, image.GetProperty("virtual-size").GetInt64());
            Assert.True(image.GetProperty("actual-size").GetInt64() > 0, "actual-size comes from stat(2) through P/Invoke");
        }
    }

    [SkippableFact]
    public void Check_passes_a_written_chain_and_convert_to_raw_gives_its_bytes()
    {
        byte[] expected = new byte[8 * MiB];
        RunOk("create", "--size", "8MiB", "base.vhd");
        Write("base.vhd", expected, offset: 0, length: 3 * MiB, seed: 1);
        RunOk("create", "--parent", "base.vhd", "child.vhd");
        Write("child.vhd", expected, offset: 2 * MiB + 512, length: 4 * MiB, seed: 2);

        Assert.Equal("child.vhd: no faults.", RunOk("check", "child.vhd").Trim().Replace(_folder.Path + "/", string.Empty, StringComparison.Ordinal));
        using (JsonDocument check = JsonSchemaCheck.AssertValid(RunOk("check", "--chain", "--output=json", "child.vhd"), "check"))
        {
            JsonSchemaCheck.AssertNoError(check);
        }

        RunOk("convert", "-O", "raw", "child.vhd", "flat.raw");
        Assert.Equal(expected, File.ReadAllBytes(_folder.File("flat.raw")));
    }

    [SkippableFact]
    public void Ctrl_c_stops_a_long_convert_leaves_nothing_and_exits_130()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "sends SIGINT with kill(1)");

        // A 2040 GiB sparse fixed disk: converting it reads for many minutes, so the signal lands mid-way.
        ImageFiles.Fixed(_folder.File("huge.vhd"), 2040L * 1024 * MiB);
        using InterruptedRun run = InterruptedRun.Start(_native.Path, ["convert", "-O", "raw", "huge.vhd", "out.raw"], _folder.Path);
        run.Interrupt(() => Directory.GetFiles(_folder.Path, ".vhdkit-*.tmp").Length > 0, "the conversion");
        Assert.Equal(130, run.ExitCode);
        Assert.Equal("vhd: cancelled convert huge.vhd: nothing was left behind.", run.Stderr.TrimEnd());
        Assert.Equal(string.Empty, run.Stdout);
        Assert.Equal(["huge.vhd"], Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName));
    }

    [SkippableFact]
    public void A_missing_parent_is_one_line_naming_the_path_and_the_hresult_and_exits_1()
    {
        ProcessResult result = _native.RunIn(_folder.Path, "create", "--parent", "missing.vhd", "child.vhd");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
        Assert.Equal(
            $"vhd: cannot create child.vhd: the parent missing.vhd does not exist ({_folder.File("missing.vhd")}). (E_PATH_NOT_FOUND 0x80070003)",
            result.Stderr.TrimEnd());
        Assert.False(File.Exists(_folder.File("child.vhd")));
    }

    /// <summary>
    /// The tool runs without ICU (InvariantGlobalization, for start-up): names outside ASCII still print as they are,
    /// and the output is the same in any locale.
    /// </summary>
    [SkippableFact]
    public void Non_ascii_file_names_print_as_themselves_in_any_locale()
    {
        string vhd = _native.Path;
        Directory.CreateDirectory(_folder.File("Bäume €"));
        ImageFiles.Dynamic(_folder.File("Bäume €/basis ü.vhd"));
        ProcessResult created = InLocale("de_DE.UTF-8", vhd, "create", "--parent", "Bäume €/basis ü.vhd", "Bäume €/kind ß.vhd");
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Contains("Bäume €/kind ß.vhd", created.Stdout, StringComparison.Ordinal);

        string? first = null;
        foreach (string locale in new[] { "C.UTF-8", "de_DE.UTF-8", "tr_TR.UTF-8", "ar_EG.UTF-8" })
        {
            ProcessResult info = InLocale(locale, vhd, "info", "--chain", "Bäume €/kind ß.vhd");
            Assert.True(info.ExitCode == 0, info.Stderr);
            Assert.Contains("Bäume €/kind ß.vhd", info.Stdout, StringComparison.Ordinal);
            Assert.Contains("basis ü.vhd", info.Stdout, StringComparison.Ordinal);
            first ??= info.Stdout;
            Assert.Equal(first, info.Stdout);
        }
    }

    /// <summary>Runs a command in the test's folder with LANG and LC_ALL set to <paramref name="locale"/>.</summary>
    private ProcessResult InLocale(string locale, params string[] command) =>
        PeerTools.Run("/usr/bin/env", [$"LANG={locale}", $"LC_ALL={locale}", .. command], _folder.Path);

    /// <summary>Commands whose output depends only on the files, not on the clock: both builds must print the same bytes.</summary>
    public static TheoryData<string[]> SameOutputCommands() => new()
    {
        { ["--help"] },
        { ["convert", "--help"] },
        { ["info", "child.vhd"] },
        { ["info", "--chain", "--output=json", "child.vhd"] },
        { ["map", "--output=json", "child.vhd"] },
        { ["check", "--chain", "--output=json", "child.vhd"] },
        { ["check", "--output=json", "broken.vhd"] },
        { ["repair", "--dry-run", "broken.vhd"] },
        { ["compare", "base.vhd", "child.vhd"] },
        { ["info", "missing.vhd"] },
        { ["create", "--type", "sparse", "--size", "8MiB", "new.vhd"] },
        { ["create", "--size", "3", "new.vhd"] },
        { ["create", "--parent", "base.vhd", "child.vhd"] },
        { ["create", "--parent", "base.vhd", "--output=json", "child.vhd"] },
        { ["convert", "-O", "qcow2", "child.vhd", "out.img"] },
        { ["no-such-verb"] },
    };

    [SkippableTheory]
    [MemberData(nameof(SameOutputCommands))]
    public void The_native_and_jit_builds_print_the_same_and_exit_the_same(string[] arguments)
    {
        string vhd = _native.Path;
        ImageFiles.Differencing(_folder.File("child.vhd"), ImageFiles.Dynamic(_folder.File("base.vhd")));
        string broken = ImageFiles.Dynamic(_folder.File("broken.vhd"));
        ImageFiles.WriteRaw(broken, new FileInfo(broken).Length - 512, new byte[512]); // the end footer lost: its copy at 0 repairs it

        ProcessResult native = PeerTools.Run(vhd, arguments, _folder.Path);
        ProcessResult jit = CliRunner.RunIn(_folder.Path, arguments);

        Assert.Equal(jit.Stdout, native.Stdout);
        Assert.Equal(jit.Stderr, native.Stderr);
        Assert.Equal(jit.ExitCode, native.ExitCode);
    }

    /// <summary>Runs the native <c>vhd</c> in the test's folder and fails the test unless it exits 0.</summary>
    private string RunOk(params string[] arguments)
    {
        ProcessResult result = _native.RunIn(_folder.Path, arguments);
        Assert.True(result.ExitCode == 0, $"vhd {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        return result.Stdout;
    }

    /// <summary>Writes <paramref name="length"/> seeded bytes at <paramref name="offset"/> with the native <c>vhd write</c>, and into <paramref name="model"/>.</summary>
    private void Write(string image, byte[] model, long offset, long length, int seed)
    {
        byte[] data = new byte[checked((int)length)];
        new Random(seed).NextBytes(data);
        string input = _folder.File($"in-{seed}.bin");
        File.WriteAllBytes(input, data);
        RunOk("write", image, "--offset", offset.ToString(CultureInfo.InvariantCulture), "--from", input);
        File.Delete(input);
        data.CopyTo(model, offset);
    }

    [GeneratedRegex(@"warning IL\d{4}")]
    private static partial Regex TrimOrAotWarning();
}
