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
            // Every fourth run (a merge) is killed once the parent has begun to change, a few milliseconds later: wall
            // clock alone misses the work on a loaded machine, where start-up outlasts any fixed delay. The others are
            // killed at a random moment of the first 400 ms (before, during or after the work).
            bool exited = runs % 4 == 1
                ? WaitUntilChanged(process, parent, TimeSpan.FromSeconds(20)) || process.WaitForExit(random.Next(0, 30))
                : process.WaitForExit(random.Next(0, 400));
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
                CheckResult report = CheckOperation.Run(new CheckRequest(file));
                bool journal = File.Exists(MergeJournal.PathFor(Path.GetFullPath(file)));
                Assert.Equal(journal, report.Faults.Any(f => f.Code == FaultCode.MergeInterrupted));
                Assert.True(report.Faults.All(f => f.Severity != FaultSeverity.Error || f.Code == FaultCode.MergeInterrupted), $"run {runs} ({(merge ? "merge" : "compact")}, {(exited ? "completed" : "killed")}), {Path.GetFileName(file)}: {string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}"))}");
            }

            ChainBuilder.AssertBytes(model, DiskBytes.Of(child));
            if (merge)
            {
                Assert.Equal(childBefore, File.ReadAllBytes(child)); // a merge never writes the child
                midway += !exited && !parentBefore.AsSpan().SequenceEqual(File.ReadAllBytes(parent)) ? 1 : 0;
                MergeOperation.Run(new MergeRequest(child));
                ChainBuilder.AssertBytes(model, DiskBytes.Of(parent));
                Assert.True(CheckOperation.Run(new CheckRequest(parent)).IsClean);
            }
            else
            {
                Assert.Equal(parentBefore, File.ReadAllBytes(parent)); // compacting a child never writes its parent
                CompactOperation.Run(new CompactRequest(child));
                ChainBuilder.AssertBytes(model, DiskBytes.Of(child));
            }

            Directory.Delete(run, recursive: true);
        }

        output.WriteLine($"{runs} runs: {killed} killed ({midway} merges killed after changing the parent); every fourth run killed once the parent changed");
        Assert.Equal(Kills, killed);
        Assert.True(midway > 0, "no kill landed in the middle of a merge; the workload is too small");
    }

    /// <summary>Waits until <paramref name="file"/>'s length or modification time changes; returns whether the process exited first.</summary>
    private static bool WaitUntilChanged(Process process, string file, TimeSpan limit)
    {
        var info = new FileInfo(file);
        (long Length, DateTime Time) before = (info.Length, info.LastWriteTimeUtc);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (process.WaitForExit(1))
            {
                return true;
            }

            info.Refresh();
            if ((info.Length, info.LastWriteTimeUtc) != before)
            {
                return false;
            }
        }

        return process.HasExited;
    }
}
