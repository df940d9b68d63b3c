using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// What a metadata edit's crash state must satisfy: the file opens as it is; <c>vhd check</c> finds it clean or
/// every error repairable; after <c>vhd repair</c> it checks clean and opens again.
/// </summary>
public static class CrashedImage
{
    /// <summary>Asserts the rules above and returns the (repaired if needed) file.</summary>
    public static MemoryStorage OpenOrRepair(byte[] image, string what)
    {
        var storage = new MemoryStorage(image, "crashed");
        try
        {
            using (VhdImage.Open(storage))
            {
            }
        }
        catch (Exception e) when (e is VhdKit.Format.VhdFormatException or IOException)
        {
            Assert.Fail($"{what}: the crashed file does not open: {e.Message}");
        }

        CheckResult report = CheckOperation.Check(storage);
        if (!report.IsClean)
        {
            Assert.True(report.IsRepairable, $"{what}: not repairable: {Describe(report)}");
            RepairOperation.Repair(storage);
            CheckResult after = CheckOperation.Check(storage);
            Assert.True(after.IsClean, $"{what}: still faulty after repair: {Describe(after)}");
        }

        return storage;
    }

    /// <summary>Work continues on the file: a write at the disk's end (a new block) and a flush leave it clean.</summary>
    public static void AssertWritable(MemoryStorage storage, string what)
    {
        var continued = new MemoryStorage(storage.ToArray(), "continued");
        using (VhdImage image = VhdImage.Open(continued))
        {
            image.WriteSectors(new byte[512 * 3], image.Capacity - (512 * 3));
            image.Flush();
        }

        CheckResult after = CheckOperation.Check(continued);
        Assert.True(after.IsClean, $"{what}, after a further write: {Describe(after)}");
    }

    public static string Describe(CheckResult report) => string.Join("; ", report.Faults.Select(f => $"{f.Code}: {f.Message}"));
}
