using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during a rebase (new locators and parent name: the header moves) and a re-stamp (only the
/// header's first sector changes), both in place: every crash state opens, checks clean or repairable, and after
/// repair links to the old parent or the new one (every header field old, or every one new), with the content unchanged.
/// </summary>
public class RelinkPowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int StatesPerEpoch = 80;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false, 51)]
    [InlineData(true, 52)]
    public void A_relink_survives_every_sampled_crash(bool restamp, int seed)
    {
        var chain = new ChainBuilder(_folder.Path, 4 * ImageFiles.MiB, seed);
        chain.AddLayer(3, maxWrite: 500_000);
        string child = Path.GetFullPath(chain.AddLayer(3, maxWrite: 500_000));
        string parent = Path.GetFullPath(chain.Layers[0]);
        if (restamp)
        {
            File.SetLastWriteTimeUtc(parent, DateTime.UtcNow.AddHours(3));
        }
        else
        {
            Directory.CreateDirectory(_folder.File("moved/deeper"));
            string copy = _folder.File("moved/deeper/the parent, moved.vhd");
            File.Copy(parent, copy);
            parent = Path.GetFullPath(copy);
        }

        Guid parentId;
        using (VhdImage p = VhdImage.Open(parent))
        {
            parentId = p.UniqueId;
        }

        byte[] parentFile = File.ReadAllBytes(parent);
        var storage = new CrashSimulatingStorage(File.ReadAllBytes(child), "child");
        string before = Links(storage.Durable(0));
        using (VhdImage image = VhdImage.Open(storage))
        {
            ChildRelinker.Relink(image, child, parent, parentId);
        }

        string after = Links(storage.Durable(storage.Flushes));
        CheckResult final = CheckOperation.Check(new MemoryStorage(storage.Durable(storage.Flushes), "final"));
        Assert.True(final.IsClean, $"the final state: {CrashedImage.Describe(final)}");
        Assert.NotEqual(before, after);
        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed, StatesPerEpoch))
        {
            string what = $"crash state {tried} (epoch {state.Epoch})";
            MemoryStorage crashed = CrashedImage.OpenOrRepair(state.Image, what);
            string links = Links(crashed.ToArray());
            Assert.True(links == before || links == after, $"{what}: the links are neither the old nor the new ones: {links}");
            using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(crashed), VhdImage.Open(new MemoryStorage(parentFile, "parent", canWrite: false))]);
            var content = new byte[disk.Capacity];
            disk.Read(content, 0);
            ChainBuilder.AssertBytes(chain.Model, content);
            CrashedImage.AssertWritable(crashed, what);
            tried++;
        }

        output.WriteLine($"{(restamp ? "restamp" : "rebase")}: {storage.Flushes} flushes, {tried} crash states tried");
        // A re-stamp is one single-sector write (2 states: before, after); a rebase has several epochs.
        Assert.True(restamp ? storage.Flushes == 1 && tried == 2 : tried > 4, $"{storage.Flushes} flushes, {tried} crash states");
    }

    /// <summary>Every field that says which parent the child links to, as one string.</summary>
    private static string Links(byte[] file)
    {
        using VhdImage image = VhdImage.Open(new MemoryStorage(file, "links", canWrite: false));
        var header = image.Header!.Value;
        return $"{header.ParentUniqueId} {header.ParentTimestamp} {header.ParentName} | {string.Join(" | ", image.Locators.Select(l => $"{l.Platform} {l.Text}"))}";
    }
}
