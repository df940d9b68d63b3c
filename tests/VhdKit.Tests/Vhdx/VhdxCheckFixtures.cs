using System.Buffers.Binary;
using System.Text;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// One hand-corrupted VHDX per fault the VHDX check knows (the Vhdx* codes, and the VHD codes it shares: file too
/// short, BAT entries past the end, in the metadata or overlapping, parent faults), each made from a clean VHDX
/// VhdKit created (layout: log at 1 MiB, metadata at 2 MiB, BAT at 3 MiB, blocks from 4 MiB; 1 MiB blocks).
/// </summary>
internal static class VhdxCheckFixtures
{
    public const int MiB = 1 << 20;
    public static readonly Guid LogGuid = new("0badcafe-1234-5678-9abc-def012345678");

    /// <summary>The codes with a VHDX fixture.</summary>
    public static readonly FaultCode[] Codes =
    [
        FaultCode.FileTooShort, FaultCode.BatEntryPastEnd, FaultCode.BatEntryInMetadata, FaultCode.BatEntriesOverlap,
        FaultCode.ParentNotFound, FaultCode.ParentIdMismatch, FaultCode.ParentSizeDiffers, FaultCode.ChainTooDeep,
        .. Enum.GetValues<FaultCode>().Where(c => c.ToString().StartsWith("Vhdx", StringComparison.Ordinal)),
    ];

    /// <summary>The codes of chain faults (checked with <see cref="Operations.CheckRequest.Chain"/>).</summary>
    public static readonly FaultCode[] ChainCodes =
        [FaultCode.ParentNotFound, FaultCode.ParentIdMismatch, FaultCode.ParentSizeDiffers, FaultCode.ChainTooDeep, FaultCode.VhdxParentLinkage, FaultCode.VhdxParentSectorSize];

    public static IEnumerable<object[]> AllCodes() => Codes.Select(c => new object[] { c });

    /// <summary>Builds the fixture for <paramref name="code"/> in <paramref name="folder"/>; returns the file to check.</summary>
    public static string Build(FaultCode code, string folder)
    {
        string file = Path.Combine(folder, "disk.vhdx");
        switch (code)
        {
            case FaultCode.FileTooShort:
                File.WriteAllBytes(file, new byte[100]);
                return file;
            case FaultCode.VhdxFileIdentifier:
                Write(Dynamic(file), 0, "garbage!"u8.ToArray());
                return file;
            case FaultCode.VhdxHeaderDamaged:
                Write(Dynamic(file), VhdxLayout.Header1Offset + 200, [0x55]);
                return file;
            case FaultCode.VhdxNoValidHeader:
                Write(Dynamic(file), VhdxLayout.Header1Offset + 200, [0x55]);
                Write(file, VhdxLayout.Header2Offset + 200, [0x55]);
                return file;
            case FaultCode.VhdxHeaderField:
                PatchCurrentHeader(Dynamic(file), h => h with { Version = 2 });
                return file;
            case FaultCode.VhdxRegionTableDamaged:
                Write(Dynamic(file), VhdxLayout.RegionTable2Offset + 100, [0x55]);
                return file;
            case FaultCode.VhdxNoValidRegionTable:
                Write(Dynamic(file), VhdxLayout.RegionTable1Offset + 100, [0x55]);
                Write(file, VhdxLayout.RegionTable2Offset + 100, [0x55]);
                return file;
            case FaultCode.VhdxRegionEntry:
                PatchRegions(Dynamic(file), t => t with { Entries = [.. t.Entries.Select(e => e.Id == VhdxGuids.MetadataRegion ? e with { FileOffset = MiB } : e)] });
                return file;
            case FaultCode.VhdxRegionRequiredUnknown:
                PatchRegions(Dynamic(file), t => t with { Entries = t.Entries.Add(new VhdxRegionEntry { Id = Guid.NewGuid(), FileOffset = 8 * MiB, Length = MiB, IsRequired = true }) });
                return file;
            case FaultCode.VhdxMetadataTable:
                Write(Dynamic(file), 2 * MiB, "garbage!"u8.ToArray());
                return file;
            case FaultCode.VhdxMetadataItem:
                WriteUInt32(Dynamic(file), ItemOffset(file, VhdxGuids.FileParameters), 3 * MiB);
                return file;
            case FaultCode.VhdxMetadataRequiredUnknown:
                PatchMetadataTable(Dynamic(file), t => t with { Entries = t.Entries.Add(new VhdxMetadataEntry { ItemId = Guid.NewGuid(), IsRequired = true }) });
                return file;
            case FaultCode.VhdxBatState:
                WriteBat(Dynamic(file), 0, VhdxBatEntry.Create(VhdxBlockState.PartiallyPresent, 4 * MiB)); // no parent: no partial block
                return file;
            case FaultCode.BatEntryPastEnd:
                WriteBat(Dynamic(file), 0, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 64 * MiB));
                return file;
            case FaultCode.BatEntryInMetadata:
                WriteBat(Dynamic(file), 0, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 2 * MiB));
                return file;
            case FaultCode.BatEntriesOverlap:
                VhdxTestFiles.Create(file, VhdDiskType.Fixed, 8L * MiB, MiB);
                WriteBat(file, 1, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 4 * MiB)); // block 0's place
                return file;
            case FaultCode.VhdxLogPending:
                PendingLog(Dynamic(file), flushed: (ulong)(4 * MiB));
                return file;
            case FaultCode.VhdxLogEmpty:
                using (FileStream stream = File.Open(Dynamic(file), FileMode.Open, FileAccess.ReadWrite))
                {
                    VhdxLogBuilder.SetLogGuid(stream, LogGuid);
                }

                return file;
            case FaultCode.VhdxLogUnreplayable:
                PendingLog(Dynamic(file), flushed: (ulong)(16 * MiB)); // the log says the file was 16 MiB long: it was cut
                return file;
            case FaultCode.ParentNotFound:
            {
                string child = Child(folder);
                File.Delete(Path.Combine(folder, "base.vhdx"));
                return child;
            }

            case FaultCode.ParentIdMismatch:
            {
                string child = Child(folder);
                File.Delete(Path.Combine(folder, "base.vhdx"));
                VhdxTestFiles.Create(Path.Combine(folder, "base.vhdx"), VhdDiskType.Dynamic, 8L * MiB, MiB);
                return child;
            }

            case FaultCode.ParentSizeDiffers:
            {
                string child = Child(folder);
                string parent = Path.Combine(folder, "base.vhdx");
                WriteUInt64(parent, ItemOffset(parent, VhdxGuids.VirtualDiskSize), 16L * MiB);
                return child;
            }

            case FaultCode.ChainTooDeep:
                return Child(folder);
            case FaultCode.VhdxParentLinkage:
            {
                string child = Child(folder);
                byte[] bytes = File.ReadAllBytes(child);
                byte[] brace = Encoding.Unicode.GetBytes("{");
                int at = bytes.AsSpan(2 * MiB).IndexOf(Encoding.Unicode.GetBytes("parent_linkage"));
                int value = bytes.AsSpan(2 * MiB + at).IndexOf(brace);
                Write(child, (2L * MiB) + at + value, Encoding.Unicode.GetBytes("x")); // "{guid}" becomes "xguid}": no GUID
                return child;
            }

            case FaultCode.VhdxReservedNonZero:
                WriteBat(Dynamic(file), 1, new VhdxBatEntry(1UL << 5)); // NOT_PRESENT with reserved bit 5 set
                return file;
            case FaultCode.VhdxHeaderDuplicate:
                Write(Dynamic(file), VhdxLayout.Header2Offset, Read(file, VhdxLayout.Header1Offset, VhdxHeader.Size));
                return file;
            case FaultCode.VhdxHeaderSequenceTie:
            {
                var first = VhdxHeader.Parse(Read(Dynamic(file), VhdxLayout.Header1Offset, VhdxHeader.Size));
                var bytes = new byte[VhdxHeader.Size];
                (first with { FileWriteGuid = Guid.NewGuid() }).WriteTo(bytes); // valid, same sequence number, different
                Write(file, VhdxLayout.Header2Offset, bytes);
                return file;
            }

            case FaultCode.VhdxBitmapPastEnd:
            {
                string child = Child(folder);
                VhdxTestFiles.WriteChild(child, 0, new byte[512]);
                long bitmap = BitmapBlockOffset(child);
                Write(child, bitmap + (8L * MiB / 512 / 8), [0x01]); // the bit of sector 16384: the 8 MiB disk has 16384
                return child;
            }

            case FaultCode.VhdxParentSectorSize:
            {
                string child = Child(folder);
                string parent = Path.Combine(folder, "base.vhdx");
                WriteUInt32(parent, ItemOffset(parent, VhdxGuids.LogicalSectorSize), 4096); // the parent alone is valid
                return child;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(code), code, "no VHDX fixture for this fault code");
        }
    }

    public static string Dynamic(string file)
    {
        VhdxTestFiles.Create(file, VhdDiskType.Dynamic, 8L * MiB, MiB);
        return file;
    }

    public static string Child(string folder)
    {
        string parent = Path.Combine(folder, "base.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, 8L * MiB, MiB);
        string child = Path.Combine(folder, "child.vhdx");
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: parent, blockSize: MiB);
        return child;
    }

    /// <summary>A log entry that allocates block 0 at 4 MiB (the file's old end) is put in the log and LogGuid set.</summary>
    public static void PendingLog(string file, ulong flushed)
    {
        long bat = 3 * MiB;
        var sector = new byte[4096];
        using FileStream stream = File.Open(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = bat;
        stream.ReadExactly(sector);
        BinaryPrimitives.WriteUInt64LittleEndian(sector, VhdxBatEntry.Create(VhdxBlockState.FullyPresent, 4 * MiB).Raw);
        VhdxLogBuilder.Put(stream, MiB, MiB, 0, VhdxLogBuilder.Entry(1, 0, LogGuid, flushed, 5 * MiB, new VhdxLogBuilder.Write(bat, sector)));
        VhdxLogBuilder.SetLogGuid(stream, LogGuid);
    }

    public static void Write(string file, long offset, byte[] bytes)
    {
        using FileStream stream = File.Open(file, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }

    public static byte[] Read(string file, long offset, int length)
    {
        var bytes = new byte[length];
        using FileStream stream = File.OpenRead(file);
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    public static void WriteBat(string file, long index, VhdxBatEntry entry)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, entry.Raw);
        Write(file, (3L * MiB) + (index * 8), bytes);
    }

    private static void WriteUInt32(string file, long offset, uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        Write(file, offset, bytes);
    }

    private static void WriteUInt64(string file, long offset, long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        Write(file, offset, bytes);
    }

    /// <summary>The file offset of the first chunk's sector bitmap block (its BAT entry read from the file).</summary>
    public static long BitmapBlockOffset(string file)
    {
        long index;
        using (VhdxImage image = VhdxImage.Open(file))
        {
            index = image.Geometry.BitmapEntryIndexFor(0);
        }

        return (long)new VhdxBatEntry(BinaryPrimitives.ReadUInt64LittleEndian(Read(file, (3L * MiB) + (index * 8), 8))).FileOffset;
    }

    /// <summary>The absolute offset of a system metadata item's bytes.</summary>
    public static long ItemOffset(string file, Guid item)
    {
        var table = VhdxMetadataTable.Parse(Read(file, 2 * MiB, VhdxMetadataTable.Size), 2 * MiB, MiB);
        return (2L * MiB) + table.Find(item)!.Value.Offset;
    }

    /// <summary>Rewrites the current header (CRC-32C recomputed, so only the change is at fault).</summary>
    public static void PatchCurrentHeader(string file, Func<VhdxHeader, VhdxHeader> change)
    {
        var first = VhdxHeader.Parse(Read(file, VhdxLayout.Header1Offset, VhdxHeader.Size));
        var second = VhdxHeader.Parse(Read(file, VhdxLayout.Header2Offset, VhdxHeader.Size));
        int current = VhdxHeader.Choose(first, second);
        var bytes = new byte[VhdxHeader.Size];
        change(current == 1 ? first : second).WriteTo(bytes);
        Write(file, current == 1 ? VhdxLayout.Header1Offset : VhdxLayout.Header2Offset, bytes);
    }

    /// <summary>Rewrites both region table copies (CRC-32C recomputed).</summary>
    public static void PatchRegions(string file, Func<VhdxRegionTable, VhdxRegionTable> change)
    {
        var bytes = new byte[VhdxRegionTable.Size];
        change(VhdxRegionTable.Parse(Read(file, VhdxLayout.RegionTable1Offset, VhdxRegionTable.Size))).WriteTo(bytes);
        Write(file, VhdxLayout.RegionTable1Offset, bytes);
        Write(file, VhdxLayout.RegionTable2Offset, bytes);
    }

    private static void PatchMetadataTable(string file, Func<VhdxMetadataTable, VhdxMetadataTable> change)
    {
        var bytes = new byte[VhdxMetadataTable.Size];
        change(VhdxMetadataTable.Parse(Read(file, 2 * MiB, VhdxMetadataTable.Size), 2 * MiB, MiB)).WriteTo(bytes);
        Write(file, 2 * MiB, bytes);
    }
}
