using System.Buffers.Binary;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// The boot sector with its BIOS parameter block (fatgen103, "Boot Sector and BPB"): the common fields at 0-35, then
/// FAT16's extended fields at 36 or FAT32's at 36-89 (FAT size, root cluster, FSInfo and backup boot sector numbers)
/// followed by the drive number, boot signature 0x29, serial number, label and type string; 0x55 0xAA at 510. The boot
/// code is a jump to a halt loop: the volume boots nothing.
/// </summary>
internal readonly struct FatBootSector
{
    /// <summary>The sector's size.</summary>
    public const int Size = FatLayout.SectorSize;

    /// <summary>FAT32: the FSInfo sector's number in the reserved area.</summary>
    public const int FsInfoSector = 1;

    /// <summary>FAT32: the backup boot sector's number (the specification recommends 6); the backup FSInfo follows it.</summary>
    public const int BackupBootSector = 6;

    private const int JumpOffset = 0;
    private const int OemNameOffset = 3;
    private const int BytesPerSectorOffset = 11;
    private const int SectorsPerClusterOffset = 13;
    private const int ReservedSectorsOffset = 14;
    private const int NumberOfFatsOffset = 16;
    private const int RootEntriesOffset = 17;
    private const int TotalSectors16Offset = 19;
    private const int MediaOffset = 21;
    private const int FatSize16Offset = 22;
    private const int SectorsPerTrackOffset = 24;
    private const int HeadsOffset = 26;
    private const int HiddenSectorsOffset = 28;
    private const int TotalSectors32Offset = 32;
    private const int Fat32FatSizeOffset = 36;
    private const int Fat32RootClusterOffset = 44;
    private const int Fat32FsInfoOffset = 48;
    private const int Fat32BackupBootOffset = 50;
    private const int Fat16ExtendedOffset = 36;
    private const int Fat32ExtendedOffset = 64;

    // Relative to the extended block: drive number, reserved, boot signature, serial, label, type string.
    private const int DriveNumber = 0;
    private const int BootSignature = 2;
    private const int VolumeIdOffset = 3;
    private const int LabelOffset = 7;
    private const int TypeStringOffset = 18;

    /// <summary>The media descriptor of a fixed disk; also FAT entry 0's low byte.</summary>
    public const byte FixedDiskMedia = 0xF8;

    private const byte HardDiskDrive = 0x80;
    private const byte ExtendedBootSignature = 0x29;
    private const ushort SectorsPerTrack = 63;
    private const ushort Heads = 255;

    public FatLayout Layout { get; init; }

    /// <summary>The label as stored: 11 characters, <c>NO NAME</c> padded when there is none.</summary>
    public string Label { get; init; }

    public uint VolumeId { get; init; }

    private static ReadOnlySpan<byte> OemName => "MSWIN4.1"u8;

    private static ReadOnlySpan<byte> Fat16TypeString => "FAT16   "u8;

    private static ReadOnlySpan<byte> Fat32TypeString => "FAT32   "u8;

    /// <summary>Writes the sector into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        Span<byte> sector = destination[..Size];
        sector.Clear();
        bool fat32 = Layout.Type == FatType.Fat32;
        int extended = fat32 ? Fat32ExtendedOffset : Fat16ExtendedOffset;
        int code = extended + TypeStringOffset + 8;

        // jmp short to the boot code, nop; the code: cli; hlt; jmp $-1 (a halt loop).
        sector[JumpOffset] = 0xEB;
        sector[JumpOffset + 1] = (byte)(code - 2);
        sector[JumpOffset + 2] = 0x90;
        sector[code] = 0xFA;
        sector[code + 1] = 0xF4;
        sector[code + 2] = 0xEB;
        sector[code + 3] = 0xFD;

        OemName.CopyTo(sector[OemNameOffset..]);
        BinaryPrimitives.WriteUInt16LittleEndian(sector[BytesPerSectorOffset..], FatLayout.SectorSize);
        sector[SectorsPerClusterOffset] = (byte)Layout.SectorsPerCluster;
        BinaryPrimitives.WriteUInt16LittleEndian(sector[ReservedSectorsOffset..], (ushort)Layout.ReservedSectors);
        sector[NumberOfFatsOffset] = (byte)FatLayout.FatCount;
        BinaryPrimitives.WriteUInt16LittleEndian(sector[RootEntriesOffset..], (ushort)Layout.RootEntries);
        bool small = !fat32 && Layout.TotalSectors < 0x10000;
        BinaryPrimitives.WriteUInt16LittleEndian(sector[TotalSectors16Offset..], small ? (ushort)Layout.TotalSectors : (ushort)0);
        sector[MediaOffset] = FixedDiskMedia;
        BinaryPrimitives.WriteUInt16LittleEndian(sector[FatSize16Offset..], fat32 ? (ushort)0 : (ushort)Layout.FatSectors);
        BinaryPrimitives.WriteUInt16LittleEndian(sector[SectorsPerTrackOffset..], SectorsPerTrack);
        BinaryPrimitives.WriteUInt16LittleEndian(sector[HeadsOffset..], Heads);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[HiddenSectorsOffset..], (uint)(Layout.VolumeStart / FatLayout.SectorSize));
        BinaryPrimitives.WriteUInt32LittleEndian(sector[TotalSectors32Offset..], small ? 0u : (uint)Layout.TotalSectors);
        if (fat32)
        {
            // ExtFlags 0 (both FATs mirrored) and FSVer 0 stay zero.
            BinaryPrimitives.WriteUInt32LittleEndian(sector[Fat32FatSizeOffset..], (uint)Layout.FatSectors);
            BinaryPrimitives.WriteUInt32LittleEndian(sector[Fat32RootClusterOffset..], FatLayout.FirstCluster);
            BinaryPrimitives.WriteUInt16LittleEndian(sector[Fat32FsInfoOffset..], FsInfoSector);
            BinaryPrimitives.WriteUInt16LittleEndian(sector[Fat32BackupBootOffset..], BackupBootSector);
        }

        Span<byte> block = sector[extended..];
        block[DriveNumber] = HardDiskDrive;
        block[BootSignature] = ExtendedBootSignature;
        BinaryPrimitives.WriteUInt32LittleEndian(block[VolumeIdOffset..], VolumeId);
        for (int i = 0; i < ShortName.Length; i++)
        {
            block[LabelOffset + i] = (byte)Label[i];
        }

        (fat32 ? Fat32TypeString : Fat16TypeString).CopyTo(block[TypeStringOffset..]);
        Mbr.WriteBootSignature(sector);
    }
}
