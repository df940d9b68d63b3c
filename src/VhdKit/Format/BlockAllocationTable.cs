using System.Buffers.Binary;

namespace VhdKit.Format;

/// <summary>
/// The block allocation table: for each block, the sector offset of its bitmap, or <see cref="Unallocated"/>.
/// </summary>
public sealed class BlockAllocationTable
{
    /// <summary>The entry value of a block that is not in the file.</summary>
    public const uint Unallocated = 0xFFFFFFFF;

    private readonly uint[] _entries;

    /// <summary>Creates a table of <paramref name="count"/> unallocated entries.</summary>
    public BlockAllocationTable(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _entries = new uint[count];
        Array.Fill(_entries, Unallocated);
    }

    private BlockAllocationTable(uint[] entries) => _entries = entries;

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Length;

    /// <summary>The on-disk size of a table of <paramref name="count"/> entries, padded to whole sectors.</summary>
    public static long SizeInBytes(long count) => AlignUp(count * 4, VhdConstants.SectorSize);

    /// <summary>Reads <paramref name="count"/> big-endian entries.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <paramref name="count"/> × 4 bytes.</exception>
    public static BlockAllocationTable Parse(ReadOnlySpan<byte> source, int count)
    {
        if (source.Length < (long)count * 4)
        {
            throw new ArgumentException($"A table of {count} entries needs {(long)count * 4} bytes; {source.Length} were given.", nameof(source));
        }

        var entries = new uint[count];
        for (int i = 0; i < count; i++)
        {
            entries[i] = BinaryPrimitives.ReadUInt32BigEndian(source[(i * 4)..]);
        }

        return new BlockAllocationTable(entries);
    }

    /// <summary>The sector offset of block <paramref name="block"/>'s bitmap, or <see cref="Unallocated"/>.</summary>
    /// <remarks>
    /// Volatile, for readers on other threads than the writer: a writer publishes a new block's bitmap before its
    /// entry, and a reader that sees the entry must see the bitmap too (x64 keeps that order anyway; Arm64 does not).
    /// </remarks>
    public uint this[int block]
    {
        get => Volatile.Read(ref _entries[block]);
        set => Volatile.Write(ref _entries[block], value);
    }

    /// <summary>Whether block <paramref name="block"/> is in the file.</summary>
    public bool IsAllocated(int block) => _entries[block] != Unallocated;

    /// <summary>The number of allocated blocks.</summary>
    public int AllocatedCount()
    {
        int count = 0;
        foreach (uint entry in _entries)
        {
            if (entry != Unallocated)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Writes the whole table, padded with <see cref="Unallocated"/> to a sector boundary.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="SizeInBytes(long)"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        long size = SizeInBytes(_entries.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The table needs {size} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        destination[..(int)size].Fill(0xFF);
        for (int i = 0; i < _entries.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(i * 4)..], _entries[i]);
        }
    }

    internal static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;
}
