using System.Collections.Immutable;

namespace VhdKit.Operations;

/// <summary>What a merge did.</summary>
/// <param name="Target">The image merged into.</param>
/// <param name="Merged">The images whose content was merged (leaf first); no longer valid children of <paramref name="Target"/>.</param>
/// <param name="BytesMerged">The bytes copied.</param>
/// <param name="Deleted">Whether the merged images were deleted.</param>
/// <param name="Warnings">Other children of the target found beside it, now invalid, and anything else worth saying.</param>
public sealed record MergeResult(string Target, ImmutableArray<string> Merged, long BytesMerged, bool Deleted, ImmutableArray<string> Warnings);
