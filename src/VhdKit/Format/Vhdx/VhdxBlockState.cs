namespace VhdKit.Format.Vhdx;

/// <summary>The state in the low 3 bits of a BAT entry (payload blocks and sector bitmap blocks share the field).</summary>
public enum VhdxBlockState : byte
{
    /// <summary>Payload: not in this file (read the parent, or zeros). Sector bitmap: not present.</summary>
    NotPresent = 0,

    /// <summary>Payload: undefined content (reads as anything; VhdKit reads zeros, or the parent's).</summary>
    Undefined = 1,

    /// <summary>Payload: reads as zeros.</summary>
    Zero = 2,

    /// <summary>Payload: unmapped by a trim (reads as zeros or the previous content; VhdKit reads zeros, or the parent's).</summary>
    Unmapped = 3,

    /// <summary>Payload: every sector is in this file. Sector bitmap: present.</summary>
    FullyPresent = 6,

    /// <summary>Payload (differencing only): the sector bitmap tells which sectors are in this file.</summary>
    PartiallyPresent = 7,
}
