namespace VhdKit.Operations;

/// <summary>What to repair: one VHD file, in place.</summary>
/// <param name="Path">The file.</param>
public sealed record RepairRequest(string Path)
{
    /// <summary>List what would be done without opening the file for writing.</summary>
    public bool DryRun { get; init; }
}
