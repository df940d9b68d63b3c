namespace VhdKit.Images.Vhdx;

/// <summary>What replaying a VHDX log in memory applied.</summary>
/// <param name="Entries">The log entries of the active sequence.</param>
/// <param name="Writes">The descriptors (4 KiB sector writes and zeroed ranges) applied.</param>
/// <param name="FirstSequence">The sequence number of the first (tail) entry applied.</param>
/// <param name="LastSequence">The sequence number of the last (head) entry applied.</param>
public sealed record VhdxLogReplaySummary(int Entries, int Writes, ulong FirstSequence, ulong LastSequence);
