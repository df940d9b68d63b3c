using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary>One change <c>vhd repair</c> made (or, in a dry run, would make).</summary>
/// <param name="Kind">What it does (<c>fix-header-checksum</c>, <c>write-end-footer</c>, ...).</param>
/// <param name="Offset">Where in the file it writes.</param>
/// <param name="Description">What it does, for people.</param>
internal sealed record RepairActionDocument(RepairActionKind Kind, long Offset, string Description)
{
    public static RepairActionDocument From(RepairAction action) => new(action.Kind, action.Offset, action.Description);
}
