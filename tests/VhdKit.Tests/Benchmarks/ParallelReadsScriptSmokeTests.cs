using VhdKit.Tests.Support;

namespace VhdKit.Tests.Benchmarks;

/// <summary>
/// Runs <c>benchmarks/parallel-reads.sh</c> on a tiny disk (16 MiB, one round) so it cannot rot: every row printed
/// with a ratio, its servers stopped and its files removed. Times are not asserted. Alone, as the compare.sh run.
/// </summary>
[Collection(CompareScriptRunsAlone.Name)]
public sealed class ParallelReadsScriptSmokeTests
{
    [SkippableFact]
    public void Parallel_reads_script_prints_every_pair_with_a_ratio()
    {
        PeerTools.Require("bash");
        PeerTools.Require("qemu-img");
        PeerTools.Require("qemu-nbd");
        PeerTools.Require("nbdcopy");
        string root = Repository.Root;
        using var folder = new TempFolder();

        ProcessResult result = PeerTools.Run("/usr/bin/env", [$"TMPDIR={folder.Path}", "bash", Path.Combine(root, "benchmarks", "parallel-reads.sh"), "16", "1"],
            workingDirectory: root, timeoutMs: 300_000);

        Assert.True(result.ExitCode == 0, $"parallel-reads.sh exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        foreach (string row in new[]
        {
            "| 4 KiB reads, depth 1 ", "| 4 KiB reads, depth 8 ", "| 64 KiB reads, depth 1 ", "| 64 KiB reads, depth 8 ",
            "| 1 MiB seq, 2 readers? ", "| nbdcopy to null: ",
        })
        {
            string line = Assert.Single(result.Stdout.Split('\n'), l => l.StartsWith(row, StringComparison.Ordinal));
            Assert.Matches(@"\|\s+[0-9]+\.[0-9]{2}x \|$", line);
        }

        Assert.DoesNotContain("NaN", result.Stdout);
        Assert.Empty(Directory.GetDirectories(folder.Path, "vhdkit-parallel.*"));
    }
}
