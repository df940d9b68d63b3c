using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Operations;
using VhdKit.Tests.Support;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during <c>vhd repair</c>: every crash state of a repair of each repairable fault (and of a
/// lost end footer with an orphan tail, what an interrupted allocation leaves) must still open if the damaged file
/// did, and a second repair of that state must give the same content as the complete one.
/// </summary>
public class RepairPowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int StatesPerEpoch = 60;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static IEnumerable<object[]> Cases() =>
        CheckFixtures.Repairable.Select(c => new object[] { c.ToString() }).Append(["EndFooterMissing+OrphanTail"]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_crash_state_of_a_repair_opens_if_the_file_did_and_a_second_repair_completes_it(string what)
    {
        string file = Damaged(what);
        byte[] damaged = File.ReadAllBytes(file);
        bool openedBefore = Opens(new MemoryStorage(damaged, "damaged", canWrite: false));

        var storage = new CrashSimulatingStorage(damaged, what);
        Assert.NotEmpty(RepairOperation.Repair(storage));
        byte[] repaired = storage.Durable(storage.Flushes);
        Assert.True(CheckOperation.Check(new MemoryStorage(repaired, "repaired", canWrite: false)).Faults.IsEmpty, "the repair is not complete");
        byte[] expected = Content(new MemoryStorage(repaired, "repaired", canWrite: false));

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed: what.Length, StatesPerEpoch))
        {
            if (openedBefore)
            {
                Assert.True(Opens(new MemoryStorage(state.Image, "state", canWrite: false)), $"{what}: crash state {tried} (epoch {state.Epoch}) does not open, but the damaged file did");
            }

            var again = new MemoryStorage(state.Image, "state");
            RepairOperation.Repair(again);
            Assert.Equal(expected, Content(again));
            tried++;
        }

        output.WriteLine($"{what}: {storage.Flushes} flushes, {tried} crash states");
        Assert.True(tried >= 2, $"only {tried} crash states");
    }

    private string Damaged(string what)
    {
        if (what != "EndFooterMissing+OrphanTail")
        {
            return CheckFixtures.Build(Enum.Parse<FaultCode>(what), _folder.Path);
        }

        var builder = new ChainBuilder(_folder.Path, 8 * ImageFiles.MiB, seed: 9);
        string file = builder.AddLayer(writes: 6);
        long length = new FileInfo(file).Length;
        ImageFiles.WriteRaw(file, length - 512, new byte[(2 * ImageFiles.MiB) + 4096 + 512]);
        return file;
    }

    private static bool Opens(IPositionalStorage storage)
    {
        try
        {
            using VhdImage image = VhdImage.Open(storage);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static byte[] Content(IPositionalStorage storage)
    {
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(storage)]);
        var bytes = new byte[disk.Capacity];
        disk.Read(bytes, 0);
        return bytes;
    }
}
