using VhdKit.Formats;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd convert --output=json</c>: the source (read through its chain) and the new standalone file.</summary>
/// <param name="Source">The image converted.</param>
/// <param name="Target">The file written.</param>
/// <param name="BytesWritten">The bytes of data written (chunks of the source that were not all zeros).</param>
/// <param name="BytesFetched">The bytes downloaded from remote storage (a blob source or parent) to open and convert; 0 when everything is local.</param>
internal sealed record ConvertDocument(ImageFileDocument Source, ImageFileDocument Target, long BytesWritten, long BytesFetched) : VerbDocument("convert")
{
    /// <summary>
    /// The document of <paramref name="converted"/>: both files are looked at again for their type and length, the source
    /// at <paramref name="source"/> as typed (a blob URL's result names it without its token, which opening it needs).
    /// </summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static ConvertDocument From(ConvertResult converted, string source)
    {
        long fetched = StorageLocations.RemoteBytesFetched; // the conversion's reads, before this document looks at the source again
        return new(
            converted.SourceFormat == ImageFormat.Raw ? ImageFileDocument.Raw(source) : ImageFileDocument.Read(source),
            converted.TargetFormat == ConvertFormat.Raw ? ImageFileDocument.Raw(converted.Target) : ImageFileDocument.Read(converted.Target),
            converted.BytesWritten,
            fetched);
    }
}
