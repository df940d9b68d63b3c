using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd resize --output=json</c>: the disk's size before and now.</summary>
/// <param name="Filename">The image, as an absolute path.</param>
/// <param name="VirtualSizeBefore">The size before, in bytes.</param>
/// <param name="VirtualSize">The size now, in bytes.</param>
/// <param name="FileLengthBefore">The file's length before, in bytes.</param>
/// <param name="FileLength">The file's length now, in bytes.</param>
internal sealed record ResizeDocument(string Filename, long VirtualSizeBefore, long VirtualSize, long FileLengthBefore, long FileLength) : VerbDocument("resize")
{
    public static ResizeDocument From(ResizeResult result) =>
        new(Path.GetFullPath(result.Path), result.SizeBefore, result.SizeAfter, result.FileSizeBefore, result.FileSizeAfter);
}
