namespace VhdKit.Operations;

/// <summary>What <see cref="ConvertOperation"/> writes.</summary>
public enum ConvertFormat
{
    /// <summary>A raw image: the disk's bytes, sparse where they are zeros.</summary>
    Raw,

    /// <summary>A fixed VHD (sparse where the content is zeros).</summary>
    Fixed,

    /// <summary>A dynamic VHD: only blocks holding non-zero data are allocated.</summary>
    Dynamic,

    /// <summary>A fixed VHDX (every block present, sparse where the content is zeros).</summary>
    VhdxFixed,

    /// <summary>A dynamic VHDX: only blocks holding non-zero data are allocated.</summary>
    VhdxDynamic,
}
