namespace VhdKit.Cli.Output;

/// <summary>An image format as qemu-img names it in <c>format</c> keys.</summary>
internal enum FormatName
{
    /// <summary>The disk's bytes, nothing else.</summary>
    Raw,

    /// <summary>VHD (qemu-img's driver name for it).</summary>
    Vpc,

    /// <summary>VHDX.</summary>
    Vhdx,
}
