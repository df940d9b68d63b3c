using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd merge --output=json</c>: which images were merged into which.</summary>
/// <param name="Filename">The differencing disk named, as an absolute path.</param>
/// <param name="Target">The image merged into, as an absolute path.</param>
/// <param name="Merged">The images whose content was merged, leaf first, as absolute paths.</param>
/// <param name="BytesMerged">The bytes copied into the target.</param>
/// <param name="Deleted">The merged images deleted (<c>--delete-child</c>), as absolute paths; empty when they were kept.</param>
internal sealed record MergeDocument(string Filename, string Target, IReadOnlyList<string> Merged, long BytesMerged, IReadOnlyList<string> Deleted) : VerbDocument("merge")
{
    public static MergeDocument From(MergeResult result) => new(
        Path.GetFullPath(result.Child),
        Path.GetFullPath(result.Target),
        [.. result.Merged.Select(Path.GetFullPath)],
        result.BytesMerged,
        [.. result.Deleted.Select(Path.GetFullPath)]);
}
