using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary><c>-p</c> forces progress (percentage lines when stderr is no terminal), <c>-q</c> silences it; Ctrl+C stops long verbs.</summary>
public class ProgressCliTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Forced_progress_into_a_pipe_is_plain_percentage_lines_on_stderr()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllBytes(_folder.File("in.bin"), new byte[3 * MiB]);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "write", "-p", "d.vhd", "--offset", "0", "--from", "in.bin");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("write: 100%", result.Stderr.Split('\n').Select(l => l.TrimEnd()));
        Assert.DoesNotContain("\u001b", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("%", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void No_progress_into_a_pipe_without_p()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllBytes(_folder.File("in.bin"), new byte[3 * MiB]);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "0", "--from", "in.bin");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(string.Empty, result.Stderr);
    }

    [Fact]
    public void Quiet_prints_neither_progress_nor_chatter()
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        File.WriteAllBytes(_folder.File("in.bin"), new byte[3 * MiB]);
        ProcessResult result = CliRunner.RunIn(_folder.Path, "write", "-q", "d.vhd", "--offset", "0", "--from", "in.bin");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(string.Empty, result.Stderr);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public void Progress_and_quiet_together_are_refused()
    {
        ProcessResult result = CliRunner.RunIn(_folder.Path, "create", "-p", "-q", "d.vhd", "8M");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--progress and --quiet contradict each other", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("d.vhd")));
    }

    [Theory]
    [InlineData("resize", "d.vhd", "16M")]
    [InlineData("rebase", "-b", "base.vhd", "child.vhd")]
    [InlineData("repair", "d.vhd")]
    [InlineData("compact", "d.vhd")]
    [InlineData("convert", "d.vhd", "out.vhd")]
    [InlineData("merge", "child.vhd")]
    [InlineData("read", "d.vhd", "--to", "out.bin")]
    public void Long_verbs_report_progress_with_p(string verb, params string[] arguments)
    {
        ImageFiles.Dynamic(_folder.File("d.vhd"));
        ImageFiles.Differencing(_folder.File("child.vhd"), ImageFiles.Dynamic(_folder.File("base.vhd")));
        ProcessResult result = CliRunner.RunIn(_folder.Path, [verb, "-p", .. arguments]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains($"{verb}: 100%", result.Stderr.Split('\n').Select(l => l.TrimEnd()));
    }

    [SkippableFact]
    public void Ctrl_c_stops_a_compare_and_exits_130()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "sends SIGINT with kill(1)");

        // Two 2040 GiB sparse fixed disks that read as zeros: comparing them takes many minutes.
        string a = ImageFiles.Fixed(_folder.File("a.vhd"), 2040L * 1024 * MiB);
        string b = ImageFiles.Fixed(_folder.File("b.vhd"), 2040L * 1024 * MiB);
        using InterruptedRun run = InterruptedRun.Vhd(_folder.Path, "compare", "-p", a, b);
        run.Interrupt(() => run.Stderr.StartsWith("compare: ", StringComparison.Ordinal), "the comparison"); // its first progress line: comparing has begun
        Assert.Equal(130, run.ExitCode);
        Assert.Contains("vhd: cancelled compare ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [SkippableFact]
    public void Ctrl_c_stops_a_read_removes_its_output_and_exits_130()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "sends SIGINT with kill(1)");

        // A 2040 GiB sparse fixed disk: reading it all takes many minutes, so the signal lands mid-way.
        string image = ImageFiles.Fixed(_folder.File("huge.vhd"), 2040L * 1024 * MiB);
        string output = _folder.File("out.bin");
        using InterruptedRun run = InterruptedRun.Vhd(_folder.Path, "read", image, "--to", "out.bin");
        run.Interrupt(() => File.Exists(output) && new FileInfo(output).Length > 0, "the read");
        Assert.Equal(130, run.ExitCode);
        Assert.Equal("vhd: cancelled read huge.vhd: nothing was left behind.", run.Stderr.TrimEnd().Replace(image, "huge.vhd", StringComparison.Ordinal));
        Assert.False(File.Exists(output));
        Assert.Equal(string.Empty, run.Stdout);
    }
}
