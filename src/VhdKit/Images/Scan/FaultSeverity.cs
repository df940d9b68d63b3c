namespace VhdKit.Images;

/// <summary>How serious a <see cref="CheckFault"/> is.</summary>
public enum FaultSeverity
{
    /// <summary>Tolerated by readers (VhdKit's among them), worth knowing: <c>vhd check</c> still exits 0.</summary>
    Warning,

    /// <summary>The image is damaged or breaks the format: readers may refuse it or return wrong data.</summary>
    Error,
}
