using VhdKit.Chain;

namespace VhdKit.Nbd;

/// <summary>
/// The one export a server offers: its disk, its name, and the single writer slot. The first client to enter
/// transmission while the slot is free gets a writable export; every other client gets the export flagged
/// read-only (NBD_FLAG_READ_ONLY) until the writer disconnects.
/// </summary>
internal sealed class NbdExport
{
    /// <summary>The most READs the server serves at once, over all clients (each holds a buffer of about 1 MiB).</summary>
    public const int MaxParallelReads = 16;

    private int _writerTaken;

    public NbdExport(VirtualDisk disk, NbdServerOptions options)
    {
        Disk = disk;
        Name = options.ExportName;
        Writable = disk.CanWrite && !options.ReadOnly;
    }

    public VirtualDisk Disk { get; }

    /// <summary>Slots for the READs under way, <see cref="MaxParallelReads"/> in all (bounds the server's memory).</summary>
    public SemaphoreSlim ReadSlots { get; } = new(MaxParallelReads, MaxParallelReads);

    public string Name { get; }

    /// <summary>Whether the export can be written at all.</summary>
    public bool Writable { get; }

    /// <summary>Whether a client asking now would get a writable export (for NBD_OPT_INFO).</summary>
    public bool WriterSlotFree => Writable && Volatile.Read(ref _writerTaken) == 0;

    public bool TryClaimWriter() => Writable && Interlocked.CompareExchange(ref _writerTaken, 1, 0) == 0;

    public void ReleaseWriter() => Volatile.Write(ref _writerTaken, 0);

    /// <summary>The transmission flags for a client that does (or does not) hold the writer slot.</summary>
    public static NbdTransmissionFlags FlagsFor(bool writer) =>
        writer
            ? NbdTransmissionFlags.HasFlags | NbdTransmissionFlags.SendFlush | NbdTransmissionFlags.SendFua |
              NbdTransmissionFlags.SendTrim | NbdTransmissionFlags.SendWriteZeroes
            : NbdTransmissionFlags.HasFlags | NbdTransmissionFlags.ReadOnly | NbdTransmissionFlags.SendFlush;
}
