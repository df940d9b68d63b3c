using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>
/// What a failed or cancelled <c>vhd write</c> leaves: nothing when the input (a file) does not fit; otherwise the
/// prefix of the input that was written, flushed, and named in the error; the image checks clean.
/// </summary>
public partial class WriteCliTests : IDisposable
{
    private const int Chunk = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static void Ok(ProcessResult result) => Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

    [GeneratedRegex(@"(\d+) bytes at (\d+) \(the start of the input\) were written and flushed")]
    private static partial Regex WrittenAndFlushed();

    /// <summary>The bytes the message says were written and flushed.</summary>
    private static long FlushedPrefix(string stderr)
    {
        Match match = WrittenAndFlushed().Match(stderr);
        Assert.True(match.Success, stderr);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Chunk <paramref name="index"/> of the input: a random megabyte stamped with its index.</summary>
    private static void Pattern(byte[] random, long index, Span<byte> chunk)
    {
        random.CopyTo(chunk);
        BitConverter.TryWriteBytes(chunk, index);
    }

    private static void AssertNoOrphanTail(string image)
    {
        CheckResult report = CheckOperation.Run(new CheckRequest(image));
        Assert.True(report.IsClean, string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}")));
        Assert.DoesNotContain(report.Faults, f => f.Code == FaultCode.OrphanTail);
    }

    [Fact]
    public void Write_of_a_file_that_does_not_fit_writes_nothing()
    {
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "4MiB", "d.vhd"));
        byte[] before = File.ReadAllBytes(_folder.File("d.vhd"));
        var payload = new byte[3 * Chunk];
        new Random(5).NextBytes(payload);
        File.WriteAllBytes(_folder.File("p.bin"), payload);

        ProcessResult result = CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", "2MiB", "--from", "p.bin");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing was written", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_folder.File("d.vhd")));
    }

    [Fact]
    public void Write_from_stdin_past_the_end_keeps_the_flushed_prefix_and_names_it()
    {
        Ok(CliRunner.RunIn(_folder.Path, "create", "-s", "4MiB", "d.vhd"));
        var payload = new byte[5 * Chunk];
        new Random(6).NextBytes(payload);
        File.WriteAllBytes(_folder.File("p.bin"), payload);

        ProcessResult result = PeerTools.Run("sh", ["-c", "exec dotnet \"$0\" write d.vhd --offset 0 --from - < p.bin", CliRunner.VhdDll], _folder.Path);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(4 * Chunk, FlushedPrefix(result.Stderr));
        AssertNoOrphanTail(_folder.File("d.vhd"));
        ChainBuilder.AssertBytes(payload[..(4 * Chunk)], DiskBytes.Of(_folder.File("d.vhd")));
    }

    [SkippableFact]
    public void Ctrl_c_stops_a_write_flushes_the_prefix_written_and_exits_130()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "sends SIGINT with kill(1)");
        string image = ImageFiles.Dynamic(_folder.File("big.vhd"), 64L * 1024 * 1024 * 1024);
        var random = new byte[Chunk];
        new Random(7).NextBytes(random);

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = _folder.Path,
        };
        foreach (string argument in new[] { CliRunner.VhdDll, "write", image, "--offset", "0", "--from", "-" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();

        // Feed the input until the process stops reading it (the pipe breaks), at most 32 GiB.
        Task feeding = Task.Run(() =>
        {
            var chunk = new byte[Chunk];
            try
            {
                for (long i = 0; i < 32 * 1024; i++)
                {
                    Pattern(random, i, chunk);
                    process.StandardInput.BaseStream.Write(chunk);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The process stopped reading: expected.
            }
        });

        // Past the first flush step, so the signal lands in the middle of the copy.
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (new FileInfo(image).Length < 100L * Chunk && DateTime.UtcNow < deadline && !process.HasExited)
        {
            Thread.Sleep(10);
        }

        Assert.False(process.HasExited, "the write ended before it could be interrupted");
        PeerTools.RunOk("kill", "-INT", process.Id.ToString(CultureInfo.InvariantCulture));
        Assert.True(process.WaitForExit(60_000), "vhd did not stop after SIGINT");
        process.WaitForExit();
        Assert.True(feeding.Wait(60_000), "the input feeder did not stop");

        Assert.Equal(130, process.ExitCode);
        long flushed = FlushedPrefix(stderr.Result);
        Assert.True(flushed >= 64L * Chunk, $"{flushed} bytes: {stderr.Result}{stdout.Result}");
        Assert.Equal(0, flushed % Chunk);
        AssertNoOrphanTail(image);
        using VirtualDisk disk = VirtualDisk.Open(image, new VirtualDiskOptions { ReadOnly = true });
        var expected = new byte[Chunk];
        var actual = new byte[Chunk];
        for (long i = 0; i < (flushed / Chunk) + 4; i++)
        {
            if (i < flushed / Chunk)
            {
                Pattern(random, i, expected);
            }
            else
            {
                Array.Clear(expected); // nothing after the prefix
            }

            disk.Read(actual, i * Chunk);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"megabyte {i} of the disk is not what the message says ({flushed} bytes flushed)");
        }
    }
}
