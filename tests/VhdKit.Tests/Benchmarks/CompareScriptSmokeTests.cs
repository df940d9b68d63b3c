using VhdKit.Tests.Support;

namespace VhdKit.Tests.Benchmarks;

/// <summary>
/// Runs <c>benchmarks/compare.sh</c> on a tiny disk (16 MiB, one round) so the comparison cannot rot: it must
/// build its images, run every contender and print the whole table. Times are not asserted. It runs alone (not in
/// parallel with other tests): it builds in Release and keeps both cores busy for ~10 s. In one run where they
/// overlapped, CancelTests' SIGINT test timed out (it passed alone and in every later run); running alone rules
/// this test out as the cause.
/// </summary>
[Collection(CompareScriptRunsAlone.Name)]
public sealed class CompareScriptSmokeTests
{
    [SkippableFact]
    public void Compare_script_runs_every_workload_and_prints_one_table()
    {
        PeerTools.Require("bash");
        string root = Repository.Root;
        using var folder = new TempFolder();
        var environment = $"TMPDIR={folder.Path}";

        ProcessResult result = PeerTools.Run("/usr/bin/env", [environment, "bash", Path.Combine(root, "benchmarks", "compare.sh"), "16", "1"],
            workingDirectory: root, timeoutMs: 180_000);

        Assert.True(result.ExitCode == 0, $"compare.sh exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        Assert.Contains("workload (size 16 MiB, 1 rounds)", result.Stdout);
        foreach (string workload in new[]
        {
            "seq read depth 1", "seq read depth 3", "seq read depth 8", "random 4 KiB reads depth 3", "seq write 4 MiB, new child",
            "random 4 KiB writes, new child", "merge child (8 MiB) into base", "convert depth 3 -> raw", "convert depth 3 -> dynamic",
            "CreateDifferencingVirtualHardDisk", "open a depth-100 chain",
        })
        {
            Assert.Contains(workload, result.Stdout);
        }

        Assert.DoesNotContain("NaN", result.Stdout);
        Assert.Empty(Directory.GetDirectories(folder.Path, "vhdkit-compare.*")); // the script removes its images (dotnet leaves its own files)
    }
}

/// <summary>Runs <see cref="CompareScriptSmokeTests"/> with no other test in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CompareScriptRunsAlone
{
    public const string Name = "compare.sh smoke run";
}
