namespace VhdKit.Cli.Output;

/// <summary><c>vhd convert --output=json</c>: the source (read through its chain) and the new standalone file.</summary>
/// <param name="Source">The image converted.</param>
/// <param name="Target">The file written.</param>
internal sealed record ConvertDocument(ImageFileDocument Source, ImageFileDocument Target) : VerbDocument("convert")
{
}
