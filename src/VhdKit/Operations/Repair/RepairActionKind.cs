using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>What one <see cref="RepairAction"/> does.</summary>
public enum RepairActionKind
{
    /// <summary>Clears a BAT entry that names a block wholly outside the file (<see cref="FaultCode.BatEntryPastEnd"/>).</summary>
    ClearBatEntry,

    /// <summary>Recomputes the dynamic header's checksum (<see cref="FaultCode.HeaderChecksum"/>).</summary>
    FixHeaderChecksum,

    /// <summary>Recomputes the footer's checksum (<see cref="FaultCode.FooterChecksum"/>).</summary>
    FixFooterChecksum,

    /// <summary>Rewrites the footer copy at offset 0 from the end footer (<see cref="FaultCode.FooterCopyMismatch"/>).</summary>
    WriteFooterCopy,

    /// <summary>
    /// Writes the end footer where the data ends and cuts the file there: rebuilds a lost end footer from the copy
    /// (<see cref="FaultCode.EndFooterMissing"/>) and drops an orphan tail (<see cref="FaultCode.OrphanTail"/>).
    /// </summary>
    WriteEndFooter,
}
