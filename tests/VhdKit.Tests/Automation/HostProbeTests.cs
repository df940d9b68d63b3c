using VhdKit.Automation;

namespace VhdKit.Tests.Automation;

/// <summary>The parts of the real host probe that read text: mountinfo, cpuinfo, and the file system limits.</summary>
public sealed class HostProbeTests
{
    private const string MountInfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 22 0:30 / /media/cd ro,nosuid shared:9 - iso9660 /dev/sr0 ro
        31 22 8:17 / /mnt/usb\040stick rw,relatime - vfat /dev/sdb1 rw,fmask=0022
        32 22 0:31 / /mnt/ro rw,relatime - tmpfs tmpfs ro,size=4k
        33 31 0:32 / /mnt/usb\040stick/inner rw - tmpfs tmpfs rw
        """;

    [Theory]
    [InlineData("/home/user/vms", "/", "ext4", false)]
    [InlineData("/media/cd/disk.vhd", "/media/cd", "iso9660", true)]
    [InlineData("/mnt/usb stick/vms", "/mnt/usb stick", "vfat", false)]
    [InlineData("/mnt/usb stick/inner/x", "/mnt/usb stick/inner", "tmpfs", false)]
    [InlineData("/mnt/usb stickier", "/", "ext4", false)]
    [InlineData("/mnt/ro/x", "/mnt/ro", "tmpfs", true)]
    public void Mountinfo_finds_the_longest_mount_point_with_its_type_and_read_only_flag(string path, string mountPoint, string type, bool readOnly)
    {
        MountTable.Mount? mount = MountTable.Find(path, MountInfo);
        Assert.NotNull(mount);
        Assert.Equal(mountPoint, mount.MountPoint);
        Assert.Equal(type, mount.FileSystem);
        Assert.Equal(readOnly, mount.IsReadOnly);
    }

    [Theory]
    [InlineData("flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx lm vmx est", true)]
    [InlineData("flags\t\t: fpu vme svm sse", true)]
    [InlineData("flags\t\t: fpu vme hypervisor sse vmxnot", false)]
    [InlineData("processor\t: 0\nmodel name\t: vmx inside a name", false)]
    public void Cpuinfo_flags_vmx_or_svm_mean_hardware_virtualization(string cpuInfo, bool expected)
    {
        Assert.Equal(expected, HostProbe.CpuInfoHasVirtualization(cpuInfo));
    }

    [SkippableFact]
    public void The_real_probe_agrees_with_proc_cpuinfo()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"));
        string text = File.ReadAllText("/proc/cpuinfo");
        bool flags = text.Contains(" vmx", StringComparison.Ordinal) || text.Contains(" svm", StringComparison.Ordinal);
        Assert.Equal(flags, HostProbe.Instance.HasHardwareVirtualization());
    }

    [Theory]
    [InlineData("vfat", FileSystemLimits.Fat32MaxFileSize)]
    [InlineData("FAT32", FileSystemLimits.Fat32MaxFileSize)]
    [InlineData("msdos", FileSystemLimits.Fat16MaxFileSize)]
    [InlineData("FAT", FileSystemLimits.Fat16MaxFileSize)]
    [InlineData("ext4", null)]
    [InlineData("NTFS", null)]
    [InlineData("exfat", null)]
    public void Only_the_FAT_family_limits_the_file_size(string fileSystem, long? limit)
    {
        Assert.Equal(limit, FileSystemLimits.MaxFileSize(fileSystem));
    }

    [Fact]
    public void The_real_probe_describes_the_temp_volume()
    {
        HostVolume volume = HostProbe.Instance.GetVolume(Path.GetTempPath());
        Assert.True(volume.FreeBytes > 0);
        Assert.False(string.IsNullOrEmpty(volume.FileSystem));
        Assert.False(volume.IsReadOnly);
        Assert.False(volume.IsOptical);
    }
}
