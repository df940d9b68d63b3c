namespace VhdKit.Images;

/// <summary>One fault <see cref="Operations.CheckOperation"/> found.</summary>
/// <param name="Code">What is wrong; stable, for scripts and tests (the message is for people and may change).</param>
/// <param name="Severity">Whether readers tolerate it.</param>
/// <param name="Structure">The on-disk structure at fault ("Footer", "Dynamic header", "Block allocation table", ...).</param>
/// <param name="Offset">The absolute file offset of the field or structure at fault, or -1 when it has none (chain faults).</param>
/// <param name="Message">What, where, expected and actual.</param>
/// <param name="Repairable">Whether <see cref="Operations.RepairOperation"/> fixes it without guessing data.</param>
/// <param name="File">The file the fault is in (with <see cref="Operations.CheckRequest.Chain"/>, a parent's faults name the parent).</param>
public sealed record CheckFault(FaultCode Code, FaultSeverity Severity, string Structure, long Offset, string Message, bool Repairable, string File);
