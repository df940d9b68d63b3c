namespace VhdKit.Format;

/// <summary>The disk type stored in the footer.</summary>
public enum VhdDiskType : uint
{
    /// <summary>No type (invalid).</summary>
    None = 0,

    /// <summary>Reserved (deprecated).</summary>
    Reserved1 = 1,

    /// <summary>Fixed: the data, then the footer.</summary>
    Fixed = 2,

    /// <summary>Dynamic: blocks allocated on first write.</summary>
    Dynamic = 3,

    /// <summary>Differencing: blocks and sectors not in this file come from the parent.</summary>
    Differencing = 4,

    /// <summary>Reserved (deprecated).</summary>
    Reserved5 = 5,

    /// <summary>Reserved (deprecated).</summary>
    Reserved6 = 6,
}
