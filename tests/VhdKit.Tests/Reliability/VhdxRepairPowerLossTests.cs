using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;
using VhdKit.Tests.Vhdx;
using Xunit.Abstractions;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Simulated power loss during <c>vhd repair</c> of a VHDX: every crash state over the repair's flush spans (log
/// applied, both headers, a region table copy, BAT entries through the log, LogGuid cleared) opens if the damaged
/// file did, reads the repaired content, and a second repair of it completes: it then checks clean with the
/// complete repair's content.
/// </summary>
public class VhdxRepairPowerLossTests(ITestOutputHelper output) : IDisposable
{
    private const int StatesPerEpoch = 40;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static IEnumerable<object[]> Cases() => VhdxRepairTests.Repairable.Select(c => new object[] { c.Code });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_crash_state_of_a_vhdx_repair_opens_if_the_file_did_and_a_second_repair_completes_it(FaultCode code)
    {
        byte[] damaged = File.ReadAllBytes(VhdxCheckFixtures.Build(code, _folder.Path));
        bool openedBefore = Opens(new MemoryStorage(damaged, "damaged.vhdx", canWrite: false));

        var storage = new CrashSimulatingStorage(damaged, "repaired.vhdx");
        Assert.NotEmpty(RepairOperation.Repair(storage));
        byte[] repaired = storage.Durable(storage.Flushes);
        CheckResult after = CheckOperation.Check(new MemoryStorage(repaired, "repaired.vhdx", canWrite: false));
        Assert.True(after.Faults.IsEmpty, string.Join("; ", after.Faults.Select(f => f.Code)));
        byte[] expected = Content(new MemoryStorage(repaired, "repaired.vhdx", canWrite: false));

        int tried = 0;
        foreach (CrashSimulatingStorage.CrashState state in storage.CrashStates(seed: (int)code, StatesPerEpoch))
        {
            if (openedBefore)
            {
                var crashed = new MemoryStorage(state.Image, "state.vhdx", canWrite: false);
                Assert.True(Opens(crashed), $"{code}: crash state {tried} (epoch {state.Epoch}) does not open, but the damaged file did");
                Assert.Equal(expected, Content(crashed));
            }

            var again = new MemoryStorage(state.Image, "again.vhdx");
            RepairOperation.Repair(again);
            Assert.True(CheckOperation.Check(new MemoryStorage(again.ToArray(), "again.vhdx", canWrite: false)).Faults.IsEmpty, $"{code}: crash state {tried} (epoch {state.Epoch}) is not clean after a second repair");
            Assert.Equal(expected, Content(again));
            tried++;
        }

        output.WriteLine($"{code}: {storage.Flushes} flushes, {tried} crash states");
        Assert.True(tried >= 2, $"only {tried} crash states");
    }

    private static bool Opens(IPositionalStorage storage)
    {
        try
        {
            using VhdxImage image = VhdxImage.Open(storage);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static byte[] Content(IPositionalStorage storage)
    {
        using VhdxImage image = VhdxImage.Open(storage);
        var bytes = new byte[image.Capacity];
        image.ReadOwn(bytes, 0);
        return bytes;
    }
}
