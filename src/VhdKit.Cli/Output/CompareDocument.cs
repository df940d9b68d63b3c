namespace VhdKit.Cli.Output;

/// <summary><c>vhd compare --output=json</c>: whether two disks (VHD through its chain, or raw) hold the same content.</summary>
/// <param name="First">The first file.</param>
/// <param name="Second">The second file.</param>
/// <param name="Identical">Whether the content is the same (a larger disk's extra bytes must be zeros).</param>
/// <param name="FirstDifference">The offset of the first differing byte; <see langword="null"/> when identical.</param>
internal sealed record CompareDocument(ImageFileDocument First, ImageFileDocument Second, bool Identical, long? FirstDifference) : VerbDocument("compare")
{
}
