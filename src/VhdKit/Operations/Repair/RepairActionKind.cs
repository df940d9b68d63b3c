using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>What one <see cref="RepairAction"/> does.</summary>
public enum RepairActionKind
{
    /// <summary>Clears a BAT entry that names a block wholly outside the file (<see cref="FaultCode.BatEntryPastEnd"/>; in a VHDX, through its log).</summary>
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

    /// <summary>Applies a VHDX's pending log to the file and clears its LogGuid (<see cref="FaultCode.VhdxLogPending"/>, <see cref="FaultCode.VhdxLogEmpty"/>).</summary>
    ReplayVhdxLog,

    /// <summary>Rewrites a damaged VHDX header from the current one (<see cref="FaultCode.VhdxHeaderDamaged"/>).</summary>
    RewriteVhdxHeader,

    /// <summary>Rewrites a damaged or differing VHDX region table copy from the one in effect (<see cref="FaultCode.VhdxRegionTableDamaged"/>).</summary>
    RewriteVhdxRegionTable,
}
