namespace VhdKit.Automation;

/// <summary>The type of a virtual hard disk (<see cref="IVMHardDisk.Type"/>); the values of the COM enumeration.</summary>
public enum VMHardDiskType
{
    /// <summary>Dynamically expanding.</summary>
    Dynamic = 0,

    /// <summary>Fixed size.</summary>
    FixedSize = 1,

    /// <summary>Differencing (changes over a parent).</summary>
    Differencing = 2,
}
