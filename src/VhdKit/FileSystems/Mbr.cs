using System.Buffers.Binary;

namespace VhdKit.FileSystems;

/// <summary>
/// The master boot record VhdKit writes: no boot code, the disk signature at 440, one partition entry at 446 (the
/// other three empty) and the 0x55 0xAA signature at 510.
/// </summary>
internal static class Mbr
{
    /// <summary>The MBR's size: one 512-byte sector.</summary>
    public const int Size = 512;

    /// <summary>Where the one partition starts: 1 MiB (sector 2048), the alignment Windows and Linux tools use.</summary>
    public const long PartitionStart = 1024 * 1024;

    private const int DiskSignatureOffset = 440;
    private const int FirstEntryOffset = 446;
    private const int BootSignatureOffset = 510;

    /// <summary>Writes the MBR with <paramref name="partition"/> into the first 512 bytes of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, MbrPartitionEntry partition, uint diskSignature)
    {
        Span<byte> sector = destination[..Size];
        sector.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(sector[DiskSignatureOffset..], diskSignature);
        partition.WriteTo(sector[FirstEntryOffset..]);
        WriteBootSignature(sector);
    }

    /// <summary>Writes 0x55 0xAA at bytes 510-511 of a 512-byte sector (the MBR's, a boot sector's).</summary>
    public static void WriteBootSignature(Span<byte> sector)
    {
        sector[BootSignatureOffset] = 0x55;
        sector[BootSignatureOffset + 1] = 0xAA;
    }
}
