namespace VhdKit.Cli.Output;

/// <summary><c>vhd read --output=json</c>: the bytes copied out of the disk (<c>--to FILE</c>; with <c>--to -</c> the bytes take standard output, so JSON is refused).</summary>
/// <param name="Filename">The image, as an absolute path.</param>
/// <param name="Offset">Where in the disk the copy started, in bytes.</param>
/// <param name="Length">The bytes copied.</param>
/// <param name="Destination">The file written, as an absolute path.</param>
internal sealed record ReadDocument(string Filename, long Offset, long Length, string Destination) : VerbDocument("read")
{
}
