using VhdKit.Chain;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// <c>vhd merge --into BASE LEAF</c> of a VHDX chain of depth 2, SIGKILLed at each of its fsyncs in turn (strace's
/// fault injection): afterwards the target opens, the chain through the leaf reads its original content, and running
/// the merge again completes it (the base then holds that content in us and the spec reader).
/// </summary>
public class VhdxMergeKillTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Vhd_merge_of_a_vhdx_chain_killed_at_each_fsync_reads_as_before_and_completes_when_run_again()
    {
        string strace = PeerTools.Require("strace");
        string template = _folder.File("template");
        Directory.CreateDirectory(template);
        var chain = new ChainBuilder(template, 8L * MiB, 91) { Extension = ".vhdx" };
        chain.AddLayer(3, MiB, maxWrite: 2 * MiB);
        chain.AddLayer(4, MiB, maxWrite: 2 * MiB);
        chain.AddLayer(4, MiB, maxWrite: 2 * MiB);

        int killed = 0;
        int pendingJournal = 0;
        bool completed = false;
        for (int when = 1; when <= 60 && !completed; when++)
        {
            string run = _folder.File($"k{when}");
            Directory.CreateDirectory(run);
            string[] paths = [.. chain.Layers.Select(p => Path.Combine(run, Path.GetFileName(p)))];
            for (int i = 0; i < paths.Length; i++)
            {
                File.Copy(chain.Layers[i], paths[i]);
            }

            ProcessResult result = PeerTools.Run(strace, ["-f", "-o", "/dev/null", "-e", "trace=fsync", "-e", $"inject=fsync:signal=SIGKILL:when={when}",
                "dotnet", CliRunner.VhdDll, "merge", "--into", paths[0], paths[^1]]);
            completed = result.ExitCode == 0;
            if (!completed)
            {
                killed++;
                bool journal = File.Exists(MergeJournal.PathFor(paths[0]));
                pendingJournal += journal ? 1 : 0;

                // Killed: the chain through the leaf reads as before, whatever the target's DataWriteGuid is now.
                ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(paths[^1]));
                MergeOperation.Run(new MergeRequest(paths[^1]) { Into = paths[0] });
            }

            Assert.False(File.Exists(MergeJournal.PathFor(paths[0])), $"fsync #{when}: the journal remains");
            ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(paths[0]));
            Assert.True(chain.Model.AsSpan().SequenceEqual(VhdxSpecReader.Content(paths[0], paths[0] + ".spec")), $"fsync #{when}: the spec reader differs");
            Assert.True(CheckOperation.Run(new CheckRequest(paths[0])).IsClean, $"fsync #{when}: the merged base does not check clean");
            Assert.Throws<ParentResolutionException>(() => DiskBytes.Of(paths[^1])); // merged: the middle no longer links to the base
            Directory.Delete(run, recursive: true);
        }

        output.WriteLine($"{killed} kills, {pendingJournal} of them with the journal left; a run completed: {completed}");
        Assert.True(completed, "every run was killed: the merge makes more than 60 fsyncs");
        Assert.True(pendingJournal > 3, $"only {pendingJournal} kills landed during the merge");
    }
}
