namespace VhdKit.Operations;

/// <summary>One change <see cref="RepairOperation"/> made (or, in a dry run, would make).</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Offset">Where in the file it writes.</param>
/// <param name="Description">What it does, for people.</param>
public sealed record RepairAction(RepairActionKind Kind, long Offset, string Description);
