using System.Globalization;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// The one place that changes an existing VHDX's metadata (headers, BAT, sector bitmaps, metadata region), in the
/// format's own crash-safe order (MS-VHDX 2.2.2.1 and 2.3). Operations and the writable image plan a change and call
/// it; they never patch VHDX metadata themselves. Three calls:
/// <list type="bullet">
/// <item><see cref="Open"/>: a pending log is replayed <i>into</i> the file (its writes applied, the file extended
/// to the head entry's LastFileOffset, fsync'd), then both headers are rewritten with a new FileWriteGuid and LogGuid
/// zero.</item>
/// <item><see cref="UpdateHeader"/>: a header change (a new DataWriteGuid, the LogGuid), written twice so both
/// copies carry it: each time the non-current header gets sequence number + 1 and its CRC-32C and is fsync'd
/// before the next write. A torn header fails its CRC and the other one stays current.</item>
/// <item><see cref="WriteMetadata"/>: 4 KiB sectors of metadata written through the log. The file is fsync'd first
/// (data the new metadata names is durable before anything names it); LogGuid is set (header update) before the
/// session's first entry; the entry (<c>loge</c>, <c>desc</c>/<c>zero</c> descriptors, <c>data</c> sectors, CRC-32C
/// over the whole entry, FlushedFileOffset = LastFileOffset = the file's length) is written at the log's head,
/// wrapping past its end, and fsync'd; then the sectors are written in place and fsync'd. Every earlier entry is
/// applied and durable by then, so each entry is its own tail: a crash replays at most the newest complete entry,
/// which writes what the file already holds or was about to.</item>
/// </list>
/// <see cref="Close"/> clears the LogGuid once every entry is applied (after which no reader replays anything).
/// </summary>
internal sealed class VhdxEditor
{
    /// <summary>
    /// The longest file a replay extends to: 64 TiB of blocks (the largest virtual disk) and 1 TiB for the rest
    /// (BAT, bitmaps, metadata). A log naming a longer file is refused rather than followed.
    /// </summary>
    public const long MaxReplayedFileLength = (long)VhdxMetadata.MaxVirtualDiskSize + (1L << 40);

    /// <summary>The most 4 KiB sectors one log entry carries: one descriptor sector holds 126 descriptors.</summary>
    public const int MaxSectorsPerEntry = (VhdxLayout.LogSectorSize - VhdxLogEntryHeader.Size) / VhdxLogDescriptor.Size;

    private readonly IPositionalStorage _file;
    private readonly byte[] _headerBuffer = new byte[VhdxHeader.Size];
    private int _currentSlot;
    private ulong _sequence;
    private uint _logHead;

    private VhdxEditor(IPositionalStorage file, VhdxHeader header, int currentSlot)
    {
        _file = file;
        Header = header;
        _currentSlot = currentSlot;
    }

    /// <summary>The current header (as last written).</summary>
    public VhdxHeader Header { get; private set; }

    /// <summary>How many log entries the replay at <see cref="Open"/> applied to the file (0 when none was pending).</summary>
    public int ReplayedEntries { get; private set; }

    /// <summary>
    /// Opens <paramref name="file"/> (writable) for editing: replays a pending log into it durably, then writes both
    /// headers with a new FileWriteGuid and LogGuid zero.
    /// </summary>
    /// <exception cref="VhdxFormatException">Neither header is valid, the current one is not, or the log cannot be replayed.</exception>
    /// <exception cref="NotSupportedException">The storage is read-only.</exception>
    /// <exception cref="IOException">A read, write or flush failed.</exception>
    public static VhdxEditor Open(IPositionalStorage file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.CanWrite)
        {
            throw new NotSupportedException($"{file.Name} is open read-only; the VHDX editor writes.");
        }

        byte[] buffer = new byte[VhdxHeader.Size];
        file.ReadExactly(buffer, VhdxLayout.Header1Offset, "VHDX header 1");
        var first = VhdxHeader.Parse(buffer);
        file.ReadExactly(buffer, VhdxLayout.Header2Offset, "VHDX header 2");
        var second = VhdxHeader.Parse(buffer);
        int slot = VhdxHeader.Choose(first, second);
        VhdxHeader header = slot == 1 ? first : second;
        header.Validate(SlotOffset(slot), file.Length);
        var editor = new VhdxEditor(file, header, slot);
        if (header.LogGuid != Guid.Empty)
        {
            editor.ReplayedEntries = ReplayIntoFile(file, header);
        }

        editor.UpdateHeader(header with { FileWriteGuid = Guid.NewGuid(), LogGuid = Guid.Empty });
        return editor;
    }

    /// <summary>
    /// Applies the active sequence of <paramref name="header"/>'s log to <paramref name="file"/> (extending it to the
    /// head entry's LastFileOffset) and fsyncs it. The header is not changed: the caller clears its LogGuid.
    /// </summary>
    /// <returns>The entries applied (0 when the log holds no complete sequence).</returns>
    /// <exception cref="VhdxFormatException">The log is too long or too tangled to check, or the file is shorter than the log says it was.</exception>
    /// <exception cref="IOException">A read, write or flush failed.</exception>
    public static int ReplayIntoFile(IPositionalStorage file, in VhdxHeader header)
    {
        ArgumentNullException.ThrowIfNull(file);
        VhdxLogReplay.Result replay = VhdxLogReplay.Run(file, header);
        if (replay.EntryCount == 0)
        {
            return 0;
        }

        if (replay.LastFileOffset > MaxReplayedFileLength)
        {
            throw FormatErrors.VhdxField("VHDX log entry", "LastFileOffset", (long)header.LogOffset,
                $"at most {FormatErrors.Hex((ulong)MaxReplayedFileLength)} (64 TiB of blocks and their metadata)", FormatErrors.Hex((ulong)replay.LastFileOffset));
        }

        if (file.Length < replay.LastFileOffset)
        {
            file.SetLength(replay.LastFileOffset);
        }

        foreach (LogWrite write in replay.Writes)
        {
            if (write.Data is not null)
            {
                file.Write(write.Data, write.Offset);
            }
            else
            {
                file.WriteZeros(write.Offset, write.Length);
            }
        }

        file.Flush();
        return replay.EntryCount;
    }

    /// <summary>
    /// Makes <paramref name="header"/> (its GUIDs and log fields; the sequence number is the editor's) the current
    /// header: written into each slot in turn with the next sequence number and a fresh CRC-32C, each fsync'd.
    /// </summary>
    /// <exception cref="IOException">A write or flush failed; the header written before it stays current.</exception>
    public void UpdateHeader(VhdxHeader header)
    {
        for (int i = 0; i < 2; i++)
        {
            int slot = 3 - _currentSlot;
            VhdxHeader next = header with { SequenceNumber = Header.SequenceNumber + 1, Version = VhdxHeader.CurrentVersion, LogVersion = VhdxHeader.CurrentLogVersion };
            next.WriteTo(_headerBuffer);
            _file.Write(_headerBuffer, SlotOffset(slot));
            _file.Flush();
            Header = next;
            _currentSlot = slot;
        }
    }

    /// <summary>Gives the header a new DataWriteGuid (before the first data write of a session: a child learns its parent changed).</summary>
    /// <exception cref="IOException">A write or flush failed.</exception>
    public void RenewDataWriteGuid() => UpdateHeader(Header with { DataWriteGuid = Guid.NewGuid() });

    /// <summary>
    /// Writes <paramref name="writes"/> (4 KiB sectors at 4 KiB-aligned offsets past the header section, or zeroed
    /// ranges when a write's data is null) through the log: see the class remarks for the order. Writes are grouped
    /// into entries of at most <see cref="MaxSectorsPerEntry"/> in the order given, each entry logged and applied
    /// before the next, so a caller orders them so that every prefix is consistent.
    /// </summary>
    /// <exception cref="ArgumentException">A write is not 4 KiB-aligned, not whole sectors, or lies in the header section or the log.</exception>
    /// <exception cref="IOException">A write or flush failed. A log entry fsync'd before the failure is replayed by the next opening.</exception>
    public void WriteMetadata(IReadOnlyList<LogWrite> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        foreach (LogWrite write in writes)
        {
            Require(write);
        }

        if (writes.Count == 0)
        {
            return;
        }

        _file.Flush();
        if (Header.LogGuid == Guid.Empty)
        {
            UpdateHeader(Header with { LogGuid = Guid.NewGuid() });
            _sequence = 0;
            _logHead = 0;
        }

        for (int first = 0; first < writes.Count; first += MaxSectorsPerEntry)
        {
            int count = Math.Min(MaxSectorsPerEntry, writes.Count - first);
            var part = new LogWrite[count];
            for (int i = 0; i < count; i++)
            {
                part[i] = writes[first + i];
            }

            AppendEntry(part);
            _file.Flush();
            foreach (LogWrite write in part)
            {
                if (write.Data is null)
                {
                    _file.WriteZeros(write.Offset, write.Length);
                }
                else
                {
                    _file.Write(write.Data, write.Offset);
                }
            }

            _file.Flush();
        }
    }

    /// <summary>Clears the LogGuid when the session wrote log entries (every one is applied and durable by then).</summary>
    /// <exception cref="IOException">A write or flush failed; the log's newest entry replays what the file holds.</exception>
    public void Close()
    {
        if (Header.LogGuid != Guid.Empty)
        {
            _file.Flush();
            UpdateHeader(Header with { LogGuid = Guid.Empty });
        }
    }

    /// <summary>
    /// Writes <paramref name="table"/> (a valid 64 KiB region table, e.g. the good copy's bytes) over region table copy
    /// <paramref name="copy"/> and fsyncs it. Only a damaged copy, or one that differs from the copy in effect, is
    /// rewritten so: a torn write leaves it invalid, and readers use the other, valid copy.
    /// </summary>
    /// <param name="copy">1 (at 192 KiB) or 2 (at 256 KiB).</param>
    /// <param name="table">The table's 64 KiB.</param>
    /// <exception cref="ArgumentException">The copy is not 1 or 2, or the bytes are not a valid region table.</exception>
    /// <exception cref="IOException">The write or flush failed.</exception>
    public void RewriteRegionTable(int copy, ReadOnlySpan<byte> table)
    {
        if (copy is not (1 or 2) || table.Length != VhdxRegionTable.Size || !VhdxRegionTable.Parse(table).IsValid)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A region table rewrite is a valid 64 KiB table into copy 1 or 2; {table.Length} bytes into copy {copy} of {_file.Name} were given."), nameof(table));
        }

        _file.Write(table, copy == 1 ? VhdxLayout.RegionTable1Offset : VhdxLayout.RegionTable2Offset);
        _file.Flush();
    }

    private void AppendEntry(LogWrite[] writes)
    {
        int dataSectors = 0;
        foreach (LogWrite write in writes)
        {
            dataSectors += write.Data is null ? 0 : 1;
        }

        uint length = (uint)((1 + dataSectors) * VhdxLayout.LogSectorSize);
        ulong sequence = ++_sequence;
        byte[] entry = new byte[length];
        long fileLength = _file.Length;
        new VhdxLogEntryHeader
        {
            EntryLength = length,
            Tail = _logHead,
            SequenceNumber = sequence,
            DescriptorCount = (uint)writes.Length,
            LogGuid = Header.LogGuid,
            FlushedFileOffset = (ulong)fileLength,
            LastFileOffset = (ulong)fileLength,
        }.WriteTo(entry);
        int dataIndex = 1;
        for (int i = 0; i < writes.Length; i++)
        {
            LogWrite write = writes[i];
            Span<byte> slot = entry.AsSpan(VhdxLogEntryHeader.Size + (i * VhdxLogDescriptor.Size));
            if (write.Data is null)
            {
                new VhdxLogDescriptor { ZeroLength = (ulong)write.Length, FileOffset = (ulong)write.Offset, SequenceNumber = sequence }.WriteTo(slot);
                continue;
            }

            VhdxLogDescriptor.ForSector(write.Data, (ulong)write.Offset, sequence).WriteTo(slot);
            VhdxLogDataSector.WriteTo(write.Data, sequence, entry.AsSpan(dataIndex++ * VhdxLayout.LogSectorSize));
        }

        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(VhdxLogEntryHeader.ChecksumOffset), VhdxChecksum.Compute(entry, VhdxLogEntryHeader.ChecksumOffset));
        for (int done = 0; done < entry.Length; done += VhdxLayout.LogSectorSize)
        {
            long at = (long)Header.LogOffset + ((_logHead + (long)done) % Header.LogLength);
            _file.Write(entry.AsSpan(done, VhdxLayout.LogSectorSize), at);
        }

        _logHead = (uint)((_logHead + (ulong)length) % Header.LogLength);
    }

    private void Require(LogWrite write)
    {
        bool aligned = write.Offset % VhdxLayout.LogSectorSize == 0 && write.Length > 0 && write.Length % VhdxLayout.LogSectorSize == 0
            && (write.Data is null || (write.Data.Length == VhdxLayout.LogSectorSize && write.Length == VhdxLayout.LogSectorSize));
        bool inLog = write.Offset < (long)(Header.LogOffset + Header.LogLength) && write.Offset + write.Length > (long)Header.LogOffset;
        if (!aligned || write.Offset < VhdxLayout.HeaderSectionSize || inLog)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A VHDX metadata write through the log is a 4 KiB sector (or a zeroed run of them) at a 4 KiB-aligned offset past the header section and outside the log; {write.Length} bytes at {FormatErrors.Hex((ulong)write.Offset)} in {_file.Name} were given."), nameof(write));
        }
    }

    private static long SlotOffset(int slot) => slot == 1 ? VhdxLayout.Header1Offset : VhdxLayout.Header2Offset;
}
