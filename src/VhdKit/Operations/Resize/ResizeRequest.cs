namespace VhdKit.Operations;

/// <summary>What to resize: a fixed or dynamic disk (VHD or VHDX), to a new virtual size.</summary>
/// <param name="Path">The image.</param>
/// <param name="NewSize">The new virtual size in bytes: a multiple of 512 from 3 MiB to 2040 GiB (a VHDX: a multiple of its logical sector size up to 64 TiB).</param>
public sealed record ResizeRequest(string Path, long NewSize);
