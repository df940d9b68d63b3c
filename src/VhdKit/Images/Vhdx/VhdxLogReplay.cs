using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// Finds a VHDX log's active sequence and the writes it holds (MS-VHDX 2.3.3): every 4 KiB step of the log is tried
/// as an entry; an entry counts only when its signature, CRC-32C over the whole entry, LogGuid, lengths, descriptors
/// and data sectors all check out (a torn or corrupt entry is ignored, never half-applied); runs of entries with
/// consecutive sequence numbers, following each other around the circular log, are sequences; a sequence whose last
/// (head) entry's tail points to one of its entries is complete, and the complete one with the highest head sequence
/// number is the active sequence, replayed from its tail entry to its head.
/// </summary>
internal static class VhdxLogReplay
{
    /// <summary>The longest log replayed in memory: 64 MiB (Hyper-V and qemu make 1 MiB logs).</summary>
    public const uint MaxLogLength = 64 * VhdxLayout.MiB;

    /// <summary>What the replay found: the writes in order, the sequence numbers applied, and the file length they reach.</summary>
    public sealed record Result(IReadOnlyList<LogWrite> Writes, ulong FirstSequence, ulong LastSequence, int EntryCount, long LastFileOffset);

    /// <exception cref="VhdxFormatException">The log is too long or too tangled to check, or the file is shorter than the log says it was.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static Result Run(IPositionalStorage file, in VhdxHeader header)
    {
        if (header.LogLength > MaxLogLength)
        {
            throw new VhdxFormatException(string.Create(CultureInfo.InvariantCulture,
                $"The VHDX log of {file.Name} ({header.LogLength} bytes at offset 0x{header.LogOffset:X}) holds entries to replay (LogGuid {header.LogGuid}); VhdKit replays logs of up to {MaxLogLength} bytes in memory."));
        }

        var log = new byte[header.LogLength];
        file.ReadExactly(log, (long)header.LogOffset, "VHDX log");
        var entries = new Dictionary<uint, VhdxLogEntryHeader>();
        long budget = Math.Max(16L * log.Length, 64L * VhdxLayout.MiB);
        for (uint at = 0; at < log.Length; at += VhdxLayout.LogSectorSize)
        {
            if (Valid(log, at, header.LogGuid, ref budget) is { } entry)
            {
                entries[at] = entry;
            }
            else if (budget < 0)
            {
                throw new VhdxFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"The VHDX log of {file.Name} at offset 0x{header.LogOffset:X}: expected entries that do not overlap, was so many overlapping candidates that checking them would take more than {16L * log.Length} bytes of checksums; the file is refused."));
            }
        }

        List<uint> active = ActiveSequence(entries, (uint)log.Length);
        if (active.Count == 0)
        {
            // A writer sets LogGuid before it writes its first entry; a crash between leaves a log with nothing
            // complete in it, and nothing to replay (qemu reads it so too).
            return new Result([], 0, 0, 0, 0);
        }

        VhdxLogEntryHeader head = entries[active[^1]];
        if ((ulong)file.Length < head.FlushedFileOffset)
        {
            throw FormatErrors.VhdxField("VHDX log entry", "FlushedFileOffset", (long)header.LogOffset + active[^1] + 48,
                $"a file of at least that length ({file.Length} bytes now)", FormatErrors.Hex(head.FlushedFileOffset));
        }

        var writes = new List<LogWrite>();
        foreach (uint at in active)
        {
            AddWrites(log, at, entries[at], writes);
        }

        return new Result(writes, entries[active[0]].SequenceNumber, head.SequenceNumber, active.Count, (long)Math.Min(head.LastFileOffset, long.MaxValue));
    }

    private static List<uint> ActiveSequence(Dictionary<uint, VhdxLogEntryHeader> entries, uint logLength)
    {
        // (where an entry's successor would start, its sequence number): a valid entry found there continues a run.
        var continued = new HashSet<(uint, ulong)>();
        foreach ((uint at, VhdxLogEntryHeader entry) in entries)
        {
            continued.Add(((uint)((at + (ulong)entry.EntryLength) % logLength), entry.SequenceNumber + 1));
        }

        List<uint> best = [];
        ulong bestHead = 0;
        foreach ((uint start, VhdxLogEntryHeader first) in entries)
        {
            // Only runs that no valid entry just before continues are walked, so each entry is walked once (sequence
            // numbers rise along a run, so no run closes on itself and every run has such a start).
            if (continued.Contains((start, first.SequenceNumber)))
            {
                continue;
            }

            var chain = new List<uint> { start };
            for (uint at = start; ;)
            {
                VhdxLogEntryHeader current = entries[at];
                uint next = (uint)((at + (ulong)current.EntryLength) % logLength);
                if (next == start || !entries.TryGetValue(next, out VhdxLogEntryHeader following) || following.SequenceNumber != current.SequenceNumber + 1)
                {
                    break;
                }

                chain.Add(next);
                at = next;
            }

            var index = new Dictionary<uint, int>();
            for (int i = 0; i < chain.Count; i++)
            {
                index[chain[i]] = i;
                VhdxLogEntryHeader candidate = entries[chain[i]];
                if (index.TryGetValue(candidate.Tail, out int tail) && (best.Count == 0 || candidate.SequenceNumber > bestHead))
                {
                    best = chain.GetRange(tail, i - tail + 1);
                    bestHead = candidate.SequenceNumber;
                }
            }
        }

        return best;
    }

    /// <summary>The entry at <paramref name="at"/> when every check passes, else null.</summary>
    private static VhdxLogEntryHeader? Valid(byte[] log, uint at, Guid logGuid, ref long budget)
    {
        if (!log.AsSpan((int)at).StartsWith(VhdxLogEntryHeader.Signature))
        {
            return null;
        }

        VhdxLogEntryHeader entry = VhdxLogEntryHeader.Parse(log.AsSpan((int)at));
        if (entry.LogGuid != logGuid || entry.EntryLength == 0 || entry.EntryLength % VhdxLayout.LogSectorSize != 0 || entry.EntryLength > log.Length
            || entry.Tail % VhdxLayout.LogSectorSize != 0 || entry.Tail >= log.Length
            || entry.DescriptorSectors * VhdxLayout.LogSectorSize > entry.EntryLength)
        {
            return null;
        }

        budget -= entry.EntryLength;
        if (budget < 0)
        {
            return null;
        }

        byte[] bytes = Contiguous(log, at, entry.EntryLength);
        if (VhdxChecksum.Compute(bytes, VhdxLogEntryHeader.ChecksumOffset) != entry.Checksum)
        {
            return null;
        }

        long dataSector = entry.DescriptorSectors;
        for (int i = 0; i < entry.DescriptorCount; i++)
        {
            if (VhdxLogDescriptor.Parse(bytes.AsSpan(VhdxLogEntryHeader.Size + (i * VhdxLogDescriptor.Size))) is not { } descriptor
                || descriptor.SequenceNumber != entry.SequenceNumber || descriptor.FileOffset % VhdxLayout.LogSectorSize != 0
                || descriptor.FileOffset > long.MaxValue / 2)
            {
                return null;
            }

            if (!descriptor.IsData)
            {
                if (descriptor.ZeroLength % VhdxLayout.LogSectorSize != 0 || descriptor.ZeroLength > long.MaxValue / 2)
                {
                    return null;
                }

                continue;
            }

            if ((dataSector + 1) * VhdxLayout.LogSectorSize > entry.EntryLength
                || !VhdxLogDataSector.Belongs(bytes.AsSpan((int)(dataSector * VhdxLayout.LogSectorSize)), entry.SequenceNumber))
            {
                return null;
            }

            dataSector++;
        }

        return entry;
    }

    private static void AddWrites(byte[] log, uint at, in VhdxLogEntryHeader entry, List<LogWrite> writes)
    {
        byte[] bytes = Contiguous(log, at, entry.EntryLength);
        long dataSector = entry.DescriptorSectors;
        for (int i = 0; i < entry.DescriptorCount; i++)
        {
            VhdxLogDescriptor descriptor = VhdxLogDescriptor.Parse(bytes.AsSpan(VhdxLogEntryHeader.Size + (i * VhdxLogDescriptor.Size)))!.Value;
            if (!descriptor.IsData)
            {
                writes.Add(new LogWrite((long)descriptor.FileOffset, (long)descriptor.ZeroLength, null));
                continue;
            }

            var sector = new byte[VhdxLayout.LogSectorSize];
            VhdxLogDataSector.Assemble(descriptor, bytes.AsSpan((int)(dataSector * VhdxLayout.LogSectorSize)), sector);
            writes.Add(new LogWrite((long)descriptor.FileOffset, sector.Length, sector));
            dataSector++;
        }
    }

    /// <summary>The entry's bytes, which may wrap past the log's end to its start.</summary>
    private static byte[] Contiguous(byte[] log, uint at, uint length)
    {
        var bytes = new byte[length];
        int first = (int)Math.Min(length, (uint)log.Length - at);
        log.AsSpan((int)at, first).CopyTo(bytes);
        log.AsSpan(0, (int)length - first).CopyTo(bytes.AsSpan(first));
        return bytes;
    }
}
