namespace VhdKit.Operations;

/// <summary>What a compaction did.</summary>
/// <param name="SizeBefore">The file's size before, in bytes.</param>
/// <param name="SizeAfter">The file's size after, in bytes.</param>
/// <param name="BlocksBefore">Allocated blocks before.</param>
/// <param name="BlocksAfter">Allocated blocks after.</param>
public sealed record CompactResult(long SizeBefore, long SizeAfter, int BlocksBefore, int BlocksAfter);
