namespace VhdKit.Cli.Output;

/// <summary>
/// <c>vhd write --output=json</c>: the bytes written into the disk. Also the document of a write that failed or was
/// cancelled part way: <c>error</c> is set and the counts say what was written and what of it is known durable.
/// </summary>
/// <param name="Filename">The image, as an absolute path.</param>
/// <param name="Offset">Where in the disk the write started, in bytes.</param>
/// <param name="Source">The file read, as an absolute path; <see langword="null"/> for standard input.</param>
/// <param name="BytesWritten">The bytes written (a prefix of the input).</param>
/// <param name="BytesFlushed">The bytes of them known durable (flushed).</param>
internal sealed record WriteDocument(string Filename, long Offset, string? Source, long BytesWritten, long BytesFlushed) : VerbDocument("write")
{
}
