using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd convert --output=json</c>: the source (read through its chain) and the new standalone file.</summary>
/// <param name="Source">The image converted.</param>
/// <param name="Target">The file written.</param>
/// <param name="BytesWritten">The bytes of data written (chunks of the source that were not all zeros).</param>
internal sealed record ConvertDocument(ImageFileDocument Source, ImageFileDocument Target, long BytesWritten) : VerbDocument("convert")
{
    /// <summary>
    /// The document of <paramref name="converted"/>: both files are looked at again for their type and length, the source
    /// at <paramref name="source"/> as typed (a blob URL's result names it without its token, which opening it needs).
    /// </summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static ConvertDocument From(ConvertResult converted, string source) => new(
        converted.SourceFormat == ImageFormat.Raw ? ImageFileDocument.Raw(source) : ImageFileDocument.Read(source),
        converted.TargetFormat == ConvertFormat.Raw ? ImageFileDocument.Raw(converted.Target) : ImageFileDocument.Read(converted.Target),
        converted.BytesWritten);
}
