using System.Diagnostics;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Real kills: <c>vhd write</c> processes on a chain are SIGKILLed at seeded random moments; after each, the chain
/// checks clean and everything earlier completed runs wrote (each flushes before it exits 0) is intact, while the
/// killed run's range holds, byte by byte, the old or the new content.
/// </summary>
public class KillTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 50;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Vhd_write_killed_at_random_moments_keeps_the_chain_valid_and_completed_writes_intact()
    {
        var random = new Random(61);
        var chain = new ChainBuilder(_folder.Path, 4 * ImageFiles.MiB, 62);
        chain.AddLayer(3, 512 * 1024, maxWrite: 300_000);
        string child = chain.AddLayer(2, 512 * 1024, maxWrite: 300_000);
        byte[] model = chain.Model;
        int killed = 0;
        int completed = 0;
        int runs = 0;
        int landed = 0;
        while (killed < Kills && runs < Kills * 4)
        {
            runs++;
            // Every other run feeds its data through a pipe and stops feeding part-way, so the kill lands while the
            // process has written (unflushed) some of it; the others read a file and are killed at a random moment.
            bool piped = runs % 2 == 0;
            int length = piped ? random.Next(1024 * 1024, 3 * 1024 * 1024) : random.Next(1, 1024 * 1024);
            long offset = random.NextInt64(0, model.Length - length);
            var data = new byte[length];
            random.NextBytes(data);
            string from = _folder.File("data.bin");
            File.WriteAllBytes(from, data);

            using Process process = Process.Start(new ProcessStartInfo("dotnet", [CliRunner.VhdDll, "write", child, "--offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture), "--from", piped ? "-" : from])
            {
                RedirectStandardInput = piped,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            if (piped)
            {
                int fed = random.Next(1024 * 1024, length);
                process.StandardInput.BaseStream.Write(data, 0, fed);
                process.StandardInput.BaseStream.Flush();
            }

            bool exited = process.WaitForExit(piped ? random.Next(150, 300) : random.Next(10, 160));
            if (!exited)
            {
                process.Kill();
                process.WaitForExit();
                killed++;
            }
            else
            {
                Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
                completed++;
            }

            CheckResult report = CheckOperation.Run(new CheckRequest(child) { Chain = true });
            Assert.True(report.IsClean, $"run {runs} ({(exited ? "completed" : "killed")}): {string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}"))}");
            byte[] now = DiskBytes.Of(child);
            if (exited)
            {
                data.CopyTo(model, offset);
                ChainBuilder.AssertBytes(model, now);
                continue;
            }

            // Outside the killed run's range: exactly what completed runs left. Inside: old or new, byte by byte;
            // whatever survived becomes the model for the next runs.
            for (int i = 0; i < model.Length; i++)
            {
                bool inside = i >= offset && i < offset + length;
                if (now[i] != model[i] && !(inside && now[i] == data[i - offset]))
                {
                    Assert.Fail($"run {runs} (killed): byte {i} is 0x{now[i]:X2}, neither the acknowledged 0x{model[i]:X2} nor the new content");
                }
            }

            landed += now.AsSpan().SequenceEqual(model) ? 0 : 1;
            now.CopyTo(model, 0);
        }

        output.WriteLine($"{runs} vhd write runs: {killed} killed ({landed} after some of their data reached the file), {completed} completed");
        Assert.Equal(Kills, killed);
    }
}
