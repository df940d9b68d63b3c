using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during a merge, with its journal: the journal is written and renamed into place before the
/// target changes, so every crash state of the target has the journal beside it. Each sampled state, laid out as
/// real files, must be reported by <c>check</c> (MergeInterrupted), refuse a new child, and complete when the merge
/// is run again (the journal then gone, the target holding the merged content, checking clean).
/// </summary>
public class MergeJournalPowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int Capacity = 3 * 1024 * 1024;
    private const int StatesPerEpoch = 12;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_sampled_crash_of_a_journaled_merge_is_reported_refuses_children_and_completes_when_run_again()
    {
        string template = _folder.File("template");
        Directory.CreateDirectory(template);
        var chain = new ChainBuilder(template, Capacity, 51);
        chain.AddLayer(3, 512 * 1024, maxWrite: 200_000);
        chain.AddLayer(4, 512 * 1024, maxWrite: 400_000);
        byte[] baseBytes = File.ReadAllBytes(chain.Layers[0]);
        byte[] childBytes = File.ReadAllBytes(chain.Layers[1]);

        var storage = new CrashSimulatingStorage(baseBytes, "target");
        using (VhdImage leaf = VhdImage.Open(new MemoryStorage(childBytes, "leaf", canWrite: false)))
        using (VhdImage target = VhdImage.Open(storage))
        {
            MergeOperation.Merge([leaf], target);
        }

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed: 52, StatesPerEpoch))
        {
            string run = _folder.File($"state{tried}");
            Directory.CreateDirectory(run);
            string parent = Path.Combine(run, "layer0.vhd");
            string child = Path.Combine(run, "layer1.vhd");
            File.WriteAllBytes(parent, state.Image);
            File.WriteAllBytes(child, childBytes);
            Guid targetId;
            using (VhdImage image = VhdImage.Open(parent))
            {
                targetId = image.UniqueId;
            }

            // The journal a merge writes before it touches the target.
            MergeJournal.Write(parent, [child], targetId);

            Assert.Contains(CheckOperation.Run(new CheckRequest(parent)).Faults, f => f.Code == FaultCode.MergeInterrupted);
            Assert.Throws<MergeInterruptedException>(() => CreateOperation.Run(CreateRequest.Differencing(Path.Combine(run, "other.vhd"), parent)));
            Assert.False(File.Exists(Path.Combine(run, "other.vhd")));

            MergeOperation.Run(new MergeRequest(child));
            Assert.False(File.Exists(MergeJournal.PathFor(parent)), $"crash state {tried}: the journal outlived the completed merge");
            Assert.Empty(CheckOperation.Run(new CheckRequest(parent)).Faults.Where(f => f.Severity == FaultSeverity.Error));
            ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(parent));
            Directory.Delete(run, recursive: true);
            tried++;
        }

        output.WriteLine($"{storage.Flushes} storage flushes, {tried} crash states of the target, each with its journal, merged again");
        Assert.True(tried > 10, $"only {tried} crash states");
    }
}
