using VhdKit.Automation;

namespace VhdKit.Tests.Automation;

/// <summary>
/// A host probe for tests: asks the real host, then applies the overrides. By default it reports hardware
/// virtualization (which the CI machine lacks) and changes nothing else.
/// </summary>
public sealed class FakeHostProbe : IHostProbe
{
    public long? FreeBytes { get; init; }

    public string? FileSystem { get; init; }

    public bool? ReadOnly { get; init; }

    public bool? Optical { get; init; }

    public bool HardwareVirtualization { get; init; } = true;

    public Exception? Throw { get; init; }

    public HostVolume GetVolume(string existingPath)
    {
        if (Throw is not null)
        {
            throw Throw;
        }

        HostVolume real = HostProbe.Instance.GetVolume(existingPath);
        string fileSystem = FileSystem ?? real.FileSystem;
        return real with
        {
            FreeBytes = FreeBytes ?? real.FreeBytes,
            FileSystem = fileSystem,
            MaxFileSize = FileSystem is null ? real.MaxFileSize : FileSystemLimits.MaxFileSize(fileSystem),
            IsReadOnly = ReadOnly ?? real.IsReadOnly,
            IsOptical = Optical ?? real.IsOptical,
        };
    }

    public bool HasHardwareVirtualization() => HardwareVirtualization;
}
