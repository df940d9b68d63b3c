namespace VhdKit.Operations;

/// <summary>What to compact: a dynamic or differencing disk.</summary>
/// <param name="Path">The image.</param>
public sealed record CompactRequest(string Path);
