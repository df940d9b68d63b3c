namespace VhdKit.Operations;

/// <summary>What to resize: a fixed or dynamic disk, to a new virtual size.</summary>
/// <param name="Path">The image.</param>
/// <param name="NewSize">The new virtual size in bytes: a multiple of 512 from 3 MiB to 2040 GiB.</param>
public sealed record ResizeRequest(string Path, long NewSize);
