namespace VhdKit.Automation;

/// <summary>
/// What the automation API asks the host before it creates an image: the volume that will hold it and
/// whether the processor has hardware-assisted virtualization. <see cref="HostProbe"/> asks the real
/// system; tests pass fakes.
/// </summary>
public interface IHostProbe
{
    /// <summary>Describes the volume holding <paramref name="existingPath"/> (a file or folder that exists).</summary>
    /// <exception cref="IOException">The volume cannot be queried.</exception>
    HostVolume GetVolume(string existingPath);

    /// <summary>Whether the processor has hardware-assisted virtualization enabled (VT-x / AMD-V).</summary>
    bool HasHardwareVirtualization();
}
