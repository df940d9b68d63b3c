using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary>One fault <c>vhd check</c> found.</summary>
/// <param name="Code">What is wrong (<c>header-checksum</c>, <c>parent-not-found</c>, ...): stable, for scripts.</param>
/// <param name="Severity"><c>warning</c> (readers tolerate it) or <c>error</c>.</param>
/// <param name="Structure">The on-disk structure at fault ("Footer", "Dynamic header", ...).</param>
/// <param name="Offset">The file offset of the field or structure at fault; <see langword="null"/> when it has none (chain faults).</param>
/// <param name="Message">What, where, expected and actual, for people.</param>
/// <param name="Repairable">Whether <c>vhd repair</c> fixes it.</param>
/// <param name="Filename">The absolute path of the file it is in (with <c>--chain</c>, a parent's).</param>
internal sealed record FaultDocument(FaultCode Code, FaultSeverity Severity, string Structure, long? Offset, string Message, bool Repairable, string Filename)
{
    public static FaultDocument From(CheckFault fault) => new(
        fault.Code,
        fault.Severity,
        fault.Structure,
        fault.Offset < 0 ? null : fault.Offset,
        fault.Message,
        fault.Repairable,
        StorageLocations.Display(fault.File));
}
