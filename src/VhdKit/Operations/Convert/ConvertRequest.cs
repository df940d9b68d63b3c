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

    /// <summary>What to write: a raw, fixed or dynamic image (default dynamic).</summary>
    public ConvertFormat TargetFormat { get; init; } = ConvertFormat.Dynamic;

    /// <summary>
    /// Whether the new file is made durable before the conversion returns (default <see cref="SyncMode.Durable"/>);
    /// <see cref="SyncMode.None"/> skips every fsync, for scratch output (qemu-img's <c>-t unsafe</c>).
    /// </summary>
    public SyncMode Sync { get; init; }
}
