using VhdKit.Automation;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Automation;

/// <summary>
/// The documented check order of CreateDifferencingVirtualHardDisk: each case breaks two rules at once, and the
/// earlier check must be the one reported.
/// </summary>
public sealed class CheckOrderTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _parent;
    private readonly string _existing;

    public CheckOrderTests()
    {
        _parent = TestImages.Dynamic(_temp.File("base.vhd"));
        _existing = _temp.File("existing.vhd");
        File.WriteAllText(_existing, "in the way");
        File.WriteAllText(_temp.File("blocker"), "a file where a folder must be");
    }

    public void Dispose() => _temp.Dispose();

    public static TheoryData<Personality, string, int> Cases()
    {
        var data = new TheoryData<Personality, string, int>();
        foreach (Personality p in new[] { Personality.VirtualServer, Personality.VirtualPC })
        {
            data.Add(p, "shutdown+null", VMErrorCodes.VM_E_APP_SHUTTING_DOWN);
            data.Add(p, "null+relative", VMErrorCodes.E_POINTER);
            data.Add(p, "relative+invalid", VMErrorCodes.E_BAD_PATHNAME);
            data.Add(p, "invalid+long", VMErrorCodes.E_INVALID_NAME);
            data.Add(p, "long+missing parent", VMErrorCodes.E_BUFFER_OVERFLOW);
            data.Add(p, "missing parent+exists", VMErrorCodes.E_PATH_NOT_FOUND);
            data.Add(p, "corrupt parent+exists", VMErrorCodes.VM_E_INVALID_HD_FILE);
            data.Add(p, "tiny parent+exists", VMErrorCodes.VM_E_IMAGE_SIZE_TOO_SMALL);
            data.Add(p, "exists+disk full", VMErrorCodes.E_ALREADY_EXISTS);
            data.Add(p, "folder blocked+disk full", VMErrorCodes.E_PATH_NOT_FOUND);
            data.Add(p, "disk full+FAT too small", VMErrorCodes.E_DISK_FULL);
            data.Add(p, "FAT too small+no virtualization", VMErrorCodes.VM_E_FILE_TOO_LARGE_FOR_VOLUME);
        }

        data.Add(Personality.VirtualPC, "read-only+disk full", VMErrorCodes.ERROR_INVALID_DRIVE);
        data.Add(Personality.VirtualServer, "read-only+disk full", VMErrorCodes.E_DISK_FULL);
        data.Add(Personality.VirtualPC, "no virtualization", VMErrorCodes.VM_E_HARDWARE_VIRTUALIZATION_DISABLED);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_earlier_check_wins(Personality personality, string faults, int expected)
    {
        string child = _temp.File("child.vhd");
        string longPath = _temp.File(new string('l', 255));
        string fourGiB = faults.Contains("FAT", StringComparison.Ordinal) ? TestImages.Dynamic(_temp.File("4g.vhd"), 4096 * TestImages.MiB) : _parent;
        var probe = new FakeHostProbe
        {
            FreeBytes = faults.Contains("disk full", StringComparison.Ordinal) ? 0 : null,
            FileSystem = faults.Contains("FAT", StringComparison.Ordinal) ? "vfat" : null,
            ReadOnly = faults.Contains("read-only", StringComparison.Ordinal) ? true : null,
            HardwareVirtualization = !faults.Contains("no virtualization", StringComparison.Ordinal),
        };
        await using Host host = Host.Open(personality, probe);
        (string? image, string? parent) = faults switch
        {
            "shutdown+null" => (null, _parent),
            "null+relative" => ((string?)null, "base.vhd"),
            "relative+invalid" => ("ch*ld.vhd", "base.vhd"),
            "invalid+long" => (longPath + "*", _parent),
            "long+missing parent" => (longPath, _temp.File("missing.vhd")),
            "missing parent+exists" => (_existing, _temp.File("missing.vhd")),
            "corrupt parent+exists" => (_existing, TestImages.Corrupt(_temp.File("corrupt.vhd"))),
            "tiny parent+exists" => (_existing, TestImages.SparseFixed(_temp.File("tiny.vhd"), TestImages.MiB)),
            "folder blocked+disk full" => (_temp.File("blocker/child.vhd"), _parent),
            "exists+disk full" => (_existing, _parent),
            "disk full+FAT too small" or "FAT too small+no virtualization" => (child, fourGiB),
            _ => (child, _parent),
        };
        if (faults.StartsWith("shutdown", StringComparison.Ordinal))
        {
            host.Shutdown();
        }

        ErrorTableTests.AssertRefused(expected, () => host.CreateDifferencing(image, parent));
    }
}
