using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during VHDX merges of chains of depth 1-3 into their base: the merge runs into a
/// <see cref="CrashSimulatingStorage"/>; every sampled crash state (every epoch between two fsyncs: nothing, everything,
/// torn prefixes, random subsets), laid out as real files with the journal the merge writes before it starts, must
/// open; the target alone holds per sector its old content or the merged one; the chain through the leaf reads the
/// chain's original content (the merge copies that same content, and the journal keeps the child linked to the target
/// whose DataWriteGuid it renewed); and running the merge again completes it.
/// </summary>
public class VhdxMergePowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private const long Capacity = 6L * MiB;
    private const int Sector = 512;
    private const int StatesPerEpoch = 6;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(1, 81)]
    [InlineData(2, 82)]
    [InlineData(3, 83)]
    public void Every_sampled_crash_of_a_vhdx_merge_reads_the_chains_content_and_completes_when_run_again(int depth, int seed)
    {
        string template = _folder.File($"template{depth}");
        Directory.CreateDirectory(template);
        var chain = new ChainBuilder(template, Capacity, seed) { Extension = ".vhdx" };
        chain.AddLayer(3, MiB, maxWrite: MiB);
        for (int i = 0; i < depth; i++)
        {
            chain.AddLayer(4, MiB, maxWrite: MiB);
        }

        string[] names = [.. chain.Layers.Select(p => Path.GetFileName(p))];
        byte[] baseContent = DiskBytes.Of(chain.Layers[0]);
        Guid linkId;
        using (VhdxImage image = VhdxImage.Open(chain.Layers[0]))
        {
            linkId = image.DataWriteGuid;
        }

        var storage = new CrashSimulatingStorage(File.ReadAllBytes(chain.Layers[0]), "target");
        var layers = chain.Layers.Skip(1).Reverse().Select(p => VhdxImage.Open(p)).ToList();
        try
        {
            using VhdxImage target = VhdxImage.OpenWritable(storage);
            Assert.True(MergeOperation.Merge(layers, target) > 0);
        }
        finally
        {
            layers.ForEach(l => l.Dispose());
        }

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, StatesPerEpoch))
        {
            string run = _folder.File($"state{depth}-{tried}");
            Directory.CreateDirectory(run);
            string[] paths = [.. names.Select(n => Path.Combine(run, n))];
            File.WriteAllBytes(paths[0], state.Image);
            for (int i = 1; i < paths.Length; i++)
            {
                File.Copy(chain.Layers[i], paths[i]);
            }

            // The journal the merge writes (and flushes) before it opens the target for writing.
            MergeJournal.Write(paths[0], [.. paths.Skip(1).Reverse()], linkId);

            byte[] own = DiskBytes.Of(paths[0]);
            for (int sector = 0; sector < own.Length / Sector; sector++)
            {
                ReadOnlySpan<byte> now = own.AsSpan(sector * Sector, Sector);
                Assert.True(now.SequenceEqual(baseContent.AsSpan(sector * Sector, Sector)) || now.SequenceEqual(chain.Model.AsSpan(sector * Sector, Sector)),
                    $"crash state {tried} (epoch {state.Epoch}): target sector {sector} is neither its old content nor the merged one");
            }

            ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(paths[^1]));
            if (tried % 10 == 0)
            {
                Assert.True(own.AsSpan().SequenceEqual(VhdxSpecReader.Content(paths[0], paths[0] + ".spec")), $"crash state {tried}: the spec reader differs");
            }

            MergeResult merged = MergeOperation.Run(new MergeRequest(paths[^1]) { Into = paths[0] });
            Assert.Equal(depth, merged.Merged.Length);
            Assert.False(File.Exists(MergeJournal.PathFor(paths[0])), $"crash state {tried}: the journal outlived the completed merge");
            ChainBuilder.AssertBytes(chain.Model, DiskBytes.Of(paths[0]));
            Directory.Delete(run, recursive: true);
            tried++;
        }

        output.WriteLine($"depth {depth}: {storage.Flushes} storage flushes, {tried} crash states of the target merged again");
        Assert.True(tried > 30, $"only {tried} crash states");
    }
}
