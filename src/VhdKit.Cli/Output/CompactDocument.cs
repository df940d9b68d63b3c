using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd compact --output=json</c>: the file before and after (a key without <c>-before</c> is the state now).</summary>
/// <param name="Filename">The image, as an absolute path.</param>
/// <param name="FileLengthBefore">The file's length before, in bytes.</param>
/// <param name="FileLength">The file's length now, in bytes.</param>
/// <param name="AllocatedBlocksBefore">Blocks allocated before.</param>
/// <param name="AllocatedBlocks">Blocks allocated now.</param>
internal sealed record CompactDocument(string Filename, long FileLengthBefore, long FileLength, int AllocatedBlocksBefore, int AllocatedBlocks) : VerbDocument("compact")
{
    public static CompactDocument From(CompactResult result) =>
        new(Path.GetFullPath(result.Path), result.SizeBefore, result.SizeAfter, result.BlocksBefore, result.BlocksAfter);
}
