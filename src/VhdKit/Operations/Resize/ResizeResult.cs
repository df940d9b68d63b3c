using System.Collections.Immutable;

namespace VhdKit.Operations;

/// <summary>What a resize did.</summary>
/// <param name="Path">The image's absolute path.</param>
/// <param name="SizeBefore">The virtual size before, in bytes.</param>
/// <param name="SizeAfter">The virtual size after, in bytes.</param>
/// <param name="FileSizeBefore">The file's length before, in bytes.</param>
/// <param name="FileSizeAfter">The file's length after, in bytes.</param>
/// <param name="Warnings">Anything worth saying (e.g. the size was already that).</param>
public sealed record ResizeResult(string Path, long SizeBefore, long SizeAfter, long FileSizeBefore, long FileSizeAfter, ImmutableArray<string> Warnings);
