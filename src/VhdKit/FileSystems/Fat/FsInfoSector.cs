using System.Buffers.Binary;

namespace VhdKit.FileSystems.Fat;

/// <summary>
/// FAT32's FSInfo sector (fatgen103, "FAT32 FSInfo Sector Structure"): lead signature 0x41615252 at 0, structure
/// signature 0x61417272 at 484, the free cluster count at 488, the next free cluster hint at 492, trail signature
/// 0xAA550000 at 508.
/// </summary>
internal readonly struct FsInfoSector
{
    /// <summary>The sector's size.</summary>
    public const int Size = FatLayout.SectorSize;

    private const int LeadSignatureOffset = 0;
    private const int StructureSignatureOffset = 484;
    private const int FreeCountOffset = 488;
    private const int NextFreeOffset = 492;
    private const int TrailSignatureOffset = 508;
    private const uint LeadSignature = 0x41615252;
    private const uint StructureSignature = 0x61417272;
    private const uint TrailSignature = 0xAA550000;

    public uint FreeClusters { get; init; }

    public uint NextFreeCluster { get; init; }

    /// <summary>Writes the sector into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        Span<byte> sector = destination[..Size];
        sector.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(sector[LeadSignatureOffset..], LeadSignature);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[StructureSignatureOffset..], StructureSignature);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[FreeCountOffset..], FreeClusters);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[NextFreeOffset..], NextFreeCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[TrailSignatureOffset..], TrailSignature);
    }
}
