namespace VhdKit.Cli.Output;

/// <summary><c>vhd resize --output=json</c>: the disk's size before and now.</summary>
/// <param name="Filename">The image, as an absolute path.</param>
/// <param name="VirtualSizeBefore">The size before, in bytes.</param>
/// <param name="VirtualSize">The size now, in bytes.</param>
/// <param name="FileLength">The file's length now, in bytes.</param>
internal sealed record ResizeDocument(string Filename, long VirtualSizeBefore, long VirtualSize, long FileLength) : VerbDocument("resize")
{
}
