using System.Collections.Immutable;
using VhdKit.Formats;

namespace VhdKit.Operations;

/// <summary>What a merge did.</summary>
/// <param name="Child">The merged child's absolute path.</param>
/// <param name="Target">The image merged into (absolute path).</param>
/// <param name="Merged">The images whose content was merged (leaf first); no longer valid children of <paramref name="Target"/>.</param>
/// <param name="BytesMerged">The bytes copied.</param>
/// <param name="TargetSizeBefore">The target file's length before, in bytes.</param>
/// <param name="TargetSizeAfter">The target file's length after, in bytes.</param>
/// <param name="Deleted">The merged images deleted (empty unless asked).</param>
/// <param name="Warnings">Other children of the target found beside it, now invalid, and anything else worth saying.</param>
public sealed record MergeResult(string Child, string Target, ImmutableArray<string> Merged, long BytesMerged, long TargetSizeBefore,
    long TargetSizeAfter, ImmutableArray<string> Deleted, ImmutableArray<string> Warnings)
{
    /// <summary>
    /// The chain's format: <see cref="ImageFormat.Vhd"/>, or <see cref="ImageFormat.Vhdx"/>, whose target got a new
    /// DataWriteGuid, so that the merged images kept no longer open as its children.
    /// </summary>
    public ImageFormat Format { get; init; } = ImageFormat.Vhd;
}
