using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace VhdKit.FileSystems.Fat;

/// <summary>Writes bytes at a byte offset of a disk (for example <c>VirtualDisk.Write</c>).</summary>
internal delegate void DiskWriter(ReadOnlySpan<byte> data, long offset);

/// <summary>
/// Writes a <see cref="FatPlan"/> onto a disk that reads as zeros: the MBR, the boot sector (FAT32: FSInfo, and the
/// backup boot sector and FSInfo at sectors 6 and 7), both FATs up to the last used entry, every folder's entries
/// and every file's data. Only sectors that hold a non-zero byte are written, so a dynamic VHD allocates only the
/// blocks that hold metadata or data; the volume is never written whole.
/// </summary>
internal static class FatWriter
{
    private const int ChunkSize = 1024 * 1024;
    private const int Sector = FatLayout.SectorSize;
    private const uint Fat16EndOfChain = 0xFFFF;
    private const uint Fat32EndOfChain = 0x0FFFFFFF;
    private const uint Fat32EntryMask = 0x0FFFFFFF;

    /// <exception cref="IOException">A source could not be read or gave another length, or a write failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <param name="plan">What to write.</param>
    /// <param name="write">Where.</param>
    /// <param name="progress">Receives the bytes of file data copied so far (of <see cref="FatVolumeSummary.FileBytes"/>), after each chunk.</param>
    /// <param name="cancellationToken">Checked before each chunk of file data.</param>
    public static void Write(FatPlan plan, DiskWriter write, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        FatLayout layout = plan.Layout;
        cancellationToken.ThrowIfCancellationRequested();
        WriteBootArea(plan, write);
        WriteFats(plan, write);
        foreach (PlannedFolder folder in plan.Folders)
        {
            WriteFolder(plan, folder, write);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long copied = 0;
            foreach ((FatFileNode file, uint first) in plan.Files)
            {
                copied = CopyFile(file, layout.ClusterOffset(first), buffer, write, copied, progress, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes the sectors of <paramref name="data"/> (a whole number of them) that are not all zeros, in runs.</summary>
    private static void WriteNonZero(DiskWriter write, ReadOnlySpan<byte> data, long offset)
    {
        int runStart = -1;
        for (int at = 0; at <= data.Length; at += Sector)
        {
            bool dataHere = at < data.Length && data.Slice(at, Sector).ContainsAnyExcept((byte)0);
            if (dataHere && runStart < 0)
            {
                runStart = at;
            }
            else if (!dataHere && runStart >= 0)
            {
                write(data[runStart..at], offset + runStart);
                runStart = -1;
            }
        }
    }

    private static void WriteBootArea(FatPlan plan, DiskWriter write)
    {
        FatLayout layout = plan.Layout;
        Span<byte> sector = stackalloc byte[Sector];
        var partition = new MbrPartitionEntry
        {
            Type = layout.Type == FatType.Fat32 ? MbrPartitionEntry.Fat32LbaType : MbrPartitionEntry.Fat16Type,
            FirstSector = (uint)(layout.VolumeStart / Sector),
            SectorCount = (uint)layout.TotalSectors,
        };
        Mbr.Write(sector, partition, plan.VolumeId);
        write(sector, 0);

        var boot = new FatBootSector
        {
            Layout = layout,
            Label = plan.HasLabel ? plan.Label : "NO NAME    ",
            VolumeId = plan.VolumeId,
        };
        boot.WriteTo(sector);
        write(sector, layout.VolumeStart);
        if (layout.Type != FatType.Fat32)
        {
            return;
        }

        write(sector, layout.VolumeStart + (FatBootSector.BackupBootSector * Sector));
        var info = new FsInfoSector
        {
            FreeClusters = (uint)(layout.ClusterCount - plan.UsedClusters),
            // 0xFFFFFFFF ("unknown") when no cluster is left: the hint must name a cluster of the volume.
            NextFreeCluster = plan.UsedClusters < layout.ClusterCount ? plan.NextFreeCluster : uint.MaxValue,
        };
        info.WriteTo(sector);
        write(sector, layout.VolumeStart + (FatBootSector.FsInfoSector * Sector));
        write(sector, layout.VolumeStart + ((FatBootSector.BackupBootSector + FatBootSector.FsInfoSector) * Sector));
    }

    /// <summary>Both FATs, from entry 0 to the last used one (rounded up to a sector), in chunks; the rest stays zero (free).</summary>
    private static void WriteFats(FatPlan plan, DiskWriter write)
    {
        FatLayout layout = plan.Layout;
        int entrySize = layout.EntrySize;
        bool fat32 = layout.Type == FatType.Fat32;
        uint endOfChain = fat32 ? Fat32EndOfChain : Fat16EndOfChain;
        long usedBytes = (long)plan.NextFreeCluster * entrySize;
        long bytes = (usedBytes + Sector - 1) / Sector * Sector;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int run = 0;
            for (long chunkStart = 0; chunkStart < bytes; chunkStart += ChunkSize)
            {
                int length = (int)Math.Min(ChunkSize, bytes - chunkStart);
                Span<byte> chunk = buffer.AsSpan(0, length);
                chunk.Clear();
                uint firstEntry = (uint)(chunkStart / entrySize);
                uint endEntry = (uint)Math.Min((chunkStart + length) / entrySize, plan.NextFreeCluster);
                for (uint entry = firstEntry; entry < endEntry; entry++)
                {
                    uint value;
                    if (entry == 0)
                    {
                        value = (fat32 ? Fat32EntryMask & 0x0FFFFF00 : 0xFF00) | FatBootSector.FixedDiskMedia;
                    }
                    else if (entry == 1)
                    {
                        value = endOfChain;
                    }
                    else
                    {
                        while (entry >= plan.Runs[run].First + plan.Runs[run].Count)
                        {
                            run++;
                        }

                        value = entry == plan.Runs[run].First + plan.Runs[run].Count - 1 ? endOfChain : entry + 1;
                    }

                    int at = (int)((entry * (long)entrySize) - chunkStart);
                    if (fat32)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(chunk[at..], value);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(chunk[at..], (ushort)value);
                    }
                }

                for (int copy = 0; copy < FatLayout.FatCount; copy++)
                {
                    WriteNonZero(write, chunk, layout.FatOffset(copy) + chunkStart);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A folder's entries: the label (root) or <c>.</c> and <c>..</c>, then each child's long-name entries and short entry.</summary>
    private static void WriteFolder(FatPlan plan, PlannedFolder folder, DiskWriter write)
    {
        int bytes = (folder.EntryCount * ShortDirectoryEntry.Size + Sector - 1) / Sector * Sector;
        if (bytes == 0)
        {
            return;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            Span<byte> entries = buffer.AsSpan(0, bytes);
            entries.Clear();
            int at = 0;
            if (folder.IsRoot)
            {
                if (plan.HasLabel)
                {
                    new ShortDirectoryEntry { Name = LabelName(plan.Label), Attributes = FatAttributes.VolumeId, Times = FatFileTimes.At(plan.Timestamp) }
                        .WriteTo(entries[at..]);
                    at += ShortDirectoryEntry.Size;
                }
            }
            else
            {
                new ShortDirectoryEntry { Name = new ShortName(".", string.Empty), Attributes = FatAttributes.Directory, Times = folder.Node.Times, FirstCluster = folder.FirstCluster }
                    .WriteTo(entries[at..]);
                at += ShortDirectoryEntry.Size;

                // ".." of a folder in the root names cluster 0, also on FAT32 (fatgen103).
                uint parent = folder.Parent!.IsRoot ? 0 : folder.Parent.FirstCluster;
                FatFileTimes parentTimes = folder.Parent.IsRoot ? FatFileTimes.At(plan.Timestamp) : folder.Parent.Node.Times;
                new ShortDirectoryEntry { Name = new ShortName("..", string.Empty), Attributes = FatAttributes.Directory, Times = parentTimes, FirstCluster = parent }
                    .WriteTo(entries[at..]);
                at += ShortDirectoryEntry.Size;
            }

            foreach (PlannedEntry entry in folder.Entries)
            {
                if (entry.NeedsLongName)
                {
                    int count = LongNameEntry.CountFor(entry.Node.Name.Length);
                    LongNameEntry.Write(entry.Node.Name, LongNameEntry.Checksum(entry.ShortName.ToBytes()), entries.Slice(at, count * ShortDirectoryEntry.Size));
                    at += count * ShortDirectoryEntry.Size;
                }

                bool isFolder = entry.Node is FatFolderNode;
                new ShortDirectoryEntry
                {
                    Name = entry.ShortName,
                    Attributes = isFolder ? FatAttributes.Directory : FatAttributes.Archive,
                    CaseFlags = entry.CaseFlags,
                    Times = entry.Node.Times,
                    FirstCluster = entry.FirstCluster,
                    FileSize = entry.Node is FatFileNode file ? (uint)file.Length : 0,
                }.WriteTo(entries[at..]);
                at += ShortDirectoryEntry.Size;
            }

            long offset = folder.IsRoot && plan.Layout.Type == FatType.Fat16 ? plan.Layout.RootFolderOffset : plan.Layout.ClusterOffset(folder.FirstCluster);
            WriteNonZero(write, entries, offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The label as an 11-byte name (it may hold spaces, which a short name's parts may not).</summary>
    private static ShortName LabelName(string label) => ShortName.FromStored(label);

    /// <returns><paramref name="copiedBefore"/> plus the file's length.</returns>
    private static long CopyFile(FatFileNode file, long offset, byte[] buffer, DiskWriter write, long copiedBefore, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        using Stream source = file.Open();
        long done = 0;
        while (done < file.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int want = (int)Math.Min(buffer.Length, file.Length - done);
            int got = source.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (got < want)
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture,
                    $"{file.Source} ended after {done + got} bytes; it was added as {file.Length} bytes (it changed while the disk was written?)."));
            }

            int padded = (want + Sector - 1) / Sector * Sector;
            buffer.AsSpan(want, padded - want).Clear();
            WriteNonZero(write, buffer.AsSpan(0, padded), offset + done);
            done += want;
            progress?.Report(copiedBefore + done);
        }

        if (source.ReadByte() >= 0)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"{file.Source} holds more than the {file.Length} bytes it was added with (it changed while the disk was written?)."));
        }

        return copiedBefore + done;
    }
}
