using VhdKit.Formats;

namespace VhdKit.Operations;

/// <summary>What to convert: a source image (a VHD and its parents, or a raw file) into a new standalone image.</summary>
/// <param name="Source">The image to read (a differencing VHD is read through its parents).</param>
/// <param name="Target">The new file; never overwritten.</param>
public sealed record ConvertRequest(string Source, string Target)
{
    /// <summary>
    /// The source's format: <see cref="ImageFormat.Vhd"/> or <see cref="ImageFormat.Raw"/>; <see langword="null"/>
    /// (the default) detects it by content (<see cref="ImageFormatProbe.Detect(string)"/>). Name
    /// <see cref="ImageFormat.Raw"/> to read a file as raw whatever its content looks like.
    /// </summary>
    public ImageFormat? SourceFormat { get; init; }

    /// <summary>What to write: a raw image, a fixed or dynamic VHD, or a fixed or dynamic VHDX (default a dynamic VHD).</summary>
    public ConvertFormat TargetFormat { get; init; } = ConvertFormat.Dynamic;

    /// <summary>
    /// A VHDX target's block size in bytes (a power of two from 1 MiB to 256 MiB); <see langword="null"/> for Hyper-V's
    /// 32 MiB. VHD targets keep their block size rule (the source's, else 2 MiB) and refuse this.
    /// </summary>
    public int? BlockSize { get; init; }

    /// <summary>A VHDX target's logical sector size, 512 or 4096; <see langword="null"/> for a VHDX source's, else 512. VHD targets refuse this.</summary>
    public int? LogicalSectorSize { get; init; }

    /// <summary>
    /// Whether the new file is made durable before the conversion returns (default <see cref="SyncMode.Durable"/>);
    /// <see cref="SyncMode.None"/> skips every fsync, for scratch output (qemu-img's <c>-t unsafe</c>).
    /// </summary>
    public SyncMode Sync { get; init; }
}
