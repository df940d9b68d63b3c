using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd merge --output=json</c>: which images were merged into which.</summary>
/// <param name="Filename">The differencing disk named, as an absolute path.</param>
/// <param name="Target">The image merged into, as an absolute path.</param>
/// <param name="Merged">The images whose content was merged, leaf first, as absolute paths.</param>
/// <param name="BytesMerged">The bytes copied into the target.</param>
/// <param name="Deleted">Whether the merged images were deleted (<c>--delete-child</c>).</param>
internal sealed record MergeDocument(string Filename, string Target, IReadOnlyList<string> Merged, long BytesMerged, bool Deleted) : VerbDocument("merge")
{
    public static MergeDocument From(string child, MergeResult result) => new(
        Path.GetFullPath(child),
        Path.GetFullPath(result.Target),
        [.. result.Merged.Select(Path.GetFullPath)],
        result.BytesMerged,
        result.Deleted);
}
