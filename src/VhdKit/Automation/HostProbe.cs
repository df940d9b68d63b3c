namespace VhdKit.Automation;

/// <summary>
/// The real host. Free space and the file system's name come from <see cref="DriveInfo"/>; on Linux the mount
/// (file system type, read-only flag) comes from <c>/proc/self/mountinfo</c>, and hardware virtualization from
/// the <c>vmx</c> (Intel) or <c>svm</c> (AMD) flag in <c>/proc/cpuinfo</c> (on other architectures: <c>/dev/kvm</c>
/// exists). Windows: <c>IsProcessorFeaturePresent(PF_VIRT_FIRMWARE_ENABLED)</c> and the drive type (CD-ROM);
/// macOS: <c>sysctl kern.hv_support</c>. Elsewhere read-only volumes are not detected (a write then fails on the task).
/// </summary>
public sealed class HostProbe : IHostProbe
{
    /// <summary>The one instance.</summary>
    public static readonly HostProbe Instance = new();

    private readonly Lazy<bool> _hardwareVirtualization = new(DetectHardwareVirtualization);

    private HostProbe()
    {
    }

    /// <inheritdoc />
    /// <exception cref="IOException">The volume cannot be queried.</exception>
    public HostVolume GetVolume(string existingPath)
    {
        ArgumentNullException.ThrowIfNull(existingPath);
        string fullPath = Path.GetFullPath(existingPath);
        if (OperatingSystem.IsLinux())
        {
            string realPath = RealPath(fullPath);
            MountTable.Mount? mount = MountTable.Find(realPath, File.ReadAllText(MountTable.MountInfoPath));
            var drive = new DriveInfo(realPath);
            string fileSystem = mount?.FileSystem ?? drive.DriveFormat;
            return new HostVolume
            {
                MountPoint = mount?.MountPoint ?? realPath,
                FreeBytes = drive.AvailableFreeSpace,
                FileSystem = fileSystem,
                MaxFileSize = FileSystemLimits.MaxFileSize(fileSystem),
                IsReadOnly = mount?.IsReadOnly ?? false,
                IsOptical = FileSystemLimits.IsOptical(fileSystem) || drive.DriveType == DriveType.CDRom,
            };
        }

        var info = new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(fullPath)! : fullPath);
        bool optical = info.DriveType == DriveType.CDRom || FileSystemLimits.IsOptical(info.DriveFormat);
        return new HostVolume
        {
            MountPoint = info.Name,
            FreeBytes = info.AvailableFreeSpace,
            FileSystem = info.DriveFormat,
            MaxFileSize = FileSystemLimits.MaxFileSize(info.DriveFormat),
            IsReadOnly = optical,
            IsOptical = optical,
        };
    }

    /// <inheritdoc />
    public bool HasHardwareVirtualization() => _hardwareVirtualization.Value;

    /// <summary>Whether a <c>/proc/cpuinfo</c> text lists the <c>vmx</c> or <c>svm</c> flag.</summary>
    internal static bool CpuInfoHasVirtualization(string cpuInfo)
    {
        foreach (string line in cpuInfo.Split('\n'))
        {
            if (!line.StartsWith("flags", StringComparison.Ordinal) || !line.Contains(':', StringComparison.Ordinal))
            {
                continue;
            }

            string[] flags = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (flags.Contains("vmx", StringComparer.Ordinal) || flags.Contains("svm", StringComparer.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool DetectHardwareVirtualization()
    {
        if (OperatingSystem.IsLinux())
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is
                System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.X86
                ? CpuInfoHasVirtualization(File.ReadAllText("/proc/cpuinfo"))
                : File.Exists("/dev/kvm");
        }

        if (OperatingSystem.IsWindows())
        {
            return NativeMethods.IsProcessorFeaturePresent(NativeMethods.PF_VIRT_FIRMWARE_ENABLED);
        }

        if (OperatingSystem.IsMacOS())
        {
            nint size = sizeof(int);
            return NativeMethods.sysctlbyname("kern.hv_support", out int value, ref size, 0, 0) == 0 && value != 0;
        }

        return false;
    }

    /// <summary>The path with every symbolic link along it resolved, so it can be matched against mount points.</summary>
    private static string RealPath(string fullPath)
    {
        string current = Path.GetPathRoot(fullPath)!;
        foreach (string part in fullPath[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo? target = new FileInfo(current).ResolveLinkTarget(returnFinalTarget: true);
            if (target is not null)
            {
                current = Path.GetFullPath(target.FullName);
            }
        }

        return current;
    }
}
