using System.Diagnostics;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Real kills of <c>vhd merge</c> and <c>vhd compact</c> at seeded random moments: afterwards every file checks
/// clean, the chain reads exactly as before, and running the operation again completes it.
/// </summary>
public class MergeKillTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 50;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Vhd_merge_and_compact_killed_at_random_moments_lose_nothing_and_complete_when_run_again()
    {
        // A template chain whose child holds 24 MiB in sector runs and whole blocks, so a merge takes a while.
        string template = _folder.File("template");
        Directory.CreateDirectory(template);
        var chain = new ChainBuilder(template, 32 * ImageFiles.MiB, 71);
        chain.AddLayer(4, 512 * 1024, maxWrite: 4 * 1024 * 1024);
        chain.AddLayer(12, maxWrite: 4 * 1024 * 1024);
        byte[] model = chain.Model;
        var random = new Random(72);

        // Kill moments are fractions of how long a whole run takes on this machine now (start-up included), so that
        // kills land before, during and after the work whether the machine is idle or loaded.
        int fullRun = Math.Min(TimeOneMerge(chain), TimeOneMerge(chain));
        int killed = 0;
        int runs = 0;
        int midway = 0;
        while (killed < Kills && runs < Kills * 6)
        {
            runs++;
            bool merge = runs % 2 == 1;
            string run = _folder.File($"run{runs}");
            Directory.CreateDirectory(run);
            string parent = Path.Combine(run, "layer0.vhd");
            string child = Path.Combine(run, "layer1.vhd");
            File.Copy(chain.Layers[0], parent);
            File.Copy(chain.Layers[1], child);
            File.SetLastWriteTimeUtc(parent, File.GetLastWriteTimeUtc(chain.Layers[0]));
            byte[] parentBefore = File.ReadAllBytes(parent);
            byte[] childBefore = File.ReadAllBytes(child);

            using Process process = Process.Start(new ProcessStartInfo("dotnet", [CliRunner.VhdDll, merge ? "merge" : "compact", child])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            bool exited = process.WaitForExit(random.Next(fullRun / 10, (fullRun * 3 / 4) + 1));
            if (!exited)
            {
                process.Kill();
                process.WaitForExit();
                killed++;
            }

            // Every file checks clean and the chain reads exactly the model, whatever the moment of the kill; a
            // parent whose merge journal remains reports that (MergeInterrupted), and nothing else.
            foreach (string file in new[] { parent, child })
            {
                CheckReport report = VhdChecker.Check(file);
                bool journal = File.Exists(DiskMerger.JournalPath(Path.GetFullPath(file)));
                Assert.Equal(journal, report.Faults.Any(f => f.Code == FaultCode.MergeInterrupted));
                Assert.True(report.Faults.All(f => f.Severity != FaultSeverity.Error || f.Code == FaultCode.MergeInterrupted), $"run {runs} ({(merge ? "merge" : "compact")}, {(exited ? "completed" : "killed")}), {Path.GetFileName(file)}: {string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}"))}");
            }

            ChainBuilder.AssertBytes(model, DiskBytes.Of(child));
            if (merge)
            {
                Assert.Equal(childBefore, File.ReadAllBytes(child)); // a merge never writes the child
                midway += !exited && !parentBefore.AsSpan().SequenceEqual(File.ReadAllBytes(parent)) ? 1 : 0;
                DiskMerger.Merge(child);
                ChainBuilder.AssertBytes(model, DiskBytes.Of(parent));
                Assert.True(VhdChecker.Check(parent).IsClean);
            }
            else
            {
                Assert.Equal(parentBefore, File.ReadAllBytes(parent)); // compacting a child never writes its parent
                DiskCompactor.Compact(child);
                ChainBuilder.AssertBytes(model, DiskBytes.Of(child));
            }

            Directory.Delete(run, recursive: true);
        }

        output.WriteLine($"{runs} runs: {killed} killed ({midway} merges killed after changing the parent); a whole merge took {fullRun} ms");
        Assert.Equal(Kills, killed);
        Assert.True(midway > 0, "no kill landed in the middle of a merge; the workload is too small");
    }

    /// <summary>How long a whole <c>vhd merge</c> of a copy of the template takes, in milliseconds (at least 100); the second of two is warm.</summary>
    private int TimeOneMerge(ChainBuilder chain)
    {
        string run = _folder.File("timing");
        Directory.CreateDirectory(run);
        File.Copy(chain.Layers[0], Path.Combine(run, "layer0.vhd"));
        File.Copy(chain.Layers[1], Path.Combine(run, "layer1.vhd"));
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, CliRunner.Run("merge", Path.Combine(run, "layer1.vhd")).ExitCode);
        int elapsed = (int)clock.ElapsedMilliseconds;
        Directory.Delete(run, recursive: true);
        return Math.Max(100, elapsed);
    }
}
