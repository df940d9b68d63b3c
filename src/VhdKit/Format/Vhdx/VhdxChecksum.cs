using System.Buffers.Binary;
using System.Numerics;

namespace VhdKit.Format.Vhdx;

/// <summary>
/// CRC-32C (Castagnoli, as in iSCSI, RFC 3720), the checksum of every VHDX header, region table and log entry: computed
/// over the whole structure with its own checksum field taken as zero. Hardware-accelerated through
/// <see cref="BitOperations.Crc32C(uint, ulong)"/>.
/// </summary>
public static class VhdxChecksum
{
    /// <summary>The CRC-32C of <paramref name="data"/> (initial value and final XOR all ones).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(uint.MaxValue, data);

    /// <summary>
    /// The CRC-32C of <paramref name="structure"/> with the four bytes at <paramref name="checksumOffset"/> taken as zero.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The checksum field does not lie inside the structure.</exception>
    public static uint Compute(ReadOnlySpan<byte> structure, int checksumOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(checksumOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(checksumOffset, structure.Length - sizeof(uint));
        uint crc = Update(uint.MaxValue, structure[..checksumOffset]);
        crc = BitOperations.Crc32C(crc, 0u);
        return ~Update(crc, structure[(checksumOffset + sizeof(uint))..]);
    }

    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
