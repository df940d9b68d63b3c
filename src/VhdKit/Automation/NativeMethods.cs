using System.Runtime.InteropServices;

namespace VhdKit.Automation;

/// <summary>The few platform calls the host probe makes outside Linux.</summary>
internal static class NativeMethods
{
    /// <summary>Windows: PF_VIRT_FIRMWARE_ENABLED, virtualization enabled in the firmware.</summary>
    public const int PF_VIRT_FIRMWARE_ENABLED = 21;

    [DllImport("kernel32.dll")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    public static extern bool IsProcessorFeaturePresent(int processorFeature);

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern int sysctlbyname(string name, out int value, ref nint size, nint newValue, nint newSize);
}
