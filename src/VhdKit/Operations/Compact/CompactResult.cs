using System.Collections.Immutable;

namespace VhdKit.Operations;

/// <summary>What a compaction did.</summary>
/// <param name="Path">The image's absolute path.</param>
/// <param name="SizeBefore">The file's size before, in bytes.</param>
/// <param name="SizeAfter">The file's size after, in bytes.</param>
/// <param name="BlocksBefore">Allocated blocks before.</param>
/// <param name="BlocksAfter">Allocated blocks after.</param>
/// <param name="BytesScanned">The bytes the image held and that were compared (the copy's input).</param>
/// <param name="Warnings">What opening the image and its parents tolerated, and (VHDX) the temporary files of an interrupted compaction that were deleted.</param>
public sealed record CompactResult(string Path, long SizeBefore, long SizeAfter, int BlocksBefore, int BlocksAfter, long BytesScanned,
    ImmutableArray<string> Warnings);
