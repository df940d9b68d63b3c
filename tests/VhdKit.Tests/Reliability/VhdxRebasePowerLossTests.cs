using VhdKit.Format.Vhdx;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during <c>vhd rebase</c> of a differencing VHDX: every crash state over its flush spans (log
/// applied, headers, the log entry, the locator written in place, LogGuid cleared) opens, checks clean, keeps the
/// child's own content, and names either the old parent or the new one, never a mix.
/// </summary>
public class VhdxRebasePowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_crash_state_of_a_vhdx_rebase_opens_and_names_the_old_parent_or_the_new_one()
    {
        string child = VhdxCheckFixtures.Child(_folder.Path);
        VhdxTestFiles.WriteChild(child, MiB + 4096, VhdxTestFiles.Pattern(8192, 5));
        Directory.CreateDirectory(_folder.File("moved"));
        string moved = _folder.File(Path.Combine("moved", "parent-with-a-longer-name.vhdx"));
        File.Copy(_folder.File("base.vhdx"), moved);
        byte[] original = File.ReadAllBytes(child);
        (VhdxParentLocator before, byte[] content) = Facts(new MemoryStorage(original, "child.vhdx", canWrite: false));

        var storage = new CrashSimulatingStorage(original, "child.vhdx");
        RebaseOperation.RebaseVhdx(storage, child, moved, ignoreIdMismatch: false, null, CancellationToken.None);
        (VhdxParentLocator after, byte[] rebasedContent) = Facts(new MemoryStorage(storage.Durable(storage.Flushes), "child.vhdx", canWrite: false));
        Assert.Equal(content, rebasedContent);
        Assert.NotEqual(before[VhdxParentLocator.RelativePath], after[VhdxParentLocator.RelativePath]);

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed: 14, maxPerEpoch: 40))
        {
            var crashed = new MemoryStorage(state.Image, "child.vhdx", canWrite: false);
            Assert.True(CheckOperation.Check(crashed).IsClean, $"crash state {tried} (epoch {state.Epoch}) does not check clean");
            (VhdxParentLocator locator, byte[] own) = Facts(crashed);
            Assert.Equal(content, own);
            Assert.True(locator.Entries.SequenceEqual(before.Entries) || locator.Entries.SequenceEqual(after.Entries),
                $"crash state {tried} (epoch {state.Epoch}) names {locator[VhdxParentLocator.RelativePath]}");
            tried++;
        }

        output.WriteLine($"{storage.Flushes} flushes, {tried} crash states");
        Assert.True(tried >= 4, $"only {tried} crash states");
    }

    private static (VhdxParentLocator Locator, byte[] Own) Facts(IPositionalStorage storage)
    {
        using VhdxImage image = VhdxImage.Open(storage);
        var own = new byte[image.Capacity];
        image.ReadOwn(own, 0);
        return (image.Metadata.ParentLocator!.Value, own);
    }
}
