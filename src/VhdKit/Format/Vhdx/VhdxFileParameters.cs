using System.Buffers.Binary;

namespace VhdKit.Format.Vhdx;

/// <summary>The 8-byte file parameters item: block size, and the LeaveBlockAllocated and HasParent flags.</summary>
public readonly record struct VhdxFileParameters
{
    /// <summary>The item's size: 8 bytes.</summary>
    public const int Size = 8;

    /// <summary>The smallest block size: 1 MiB.</summary>
    public const uint MinBlockSize = VhdxLayout.MiB;

    /// <summary>The largest block size: 256 MiB.</summary>
    public const uint MaxBlockSize = 256u * VhdxLayout.MiB;

    /// <summary>The fields, in order.</summary>
    public static readonly FieldSpan[] Fields = [new("BlockSize", 0, 4), new("Flags", 4, 4)];

    /// <summary>The payload block size in bytes (a power of two, 1 MiB to 256 MiB).</summary>
    public uint BlockSize { get; init; }

    /// <summary>Blocks stay allocated (fixed disks): a writer must not unmap them.</summary>
    public bool LeaveBlockAllocated { get; init; }

    /// <summary>The file is a differencing disk (has a parent locator).</summary>
    public bool HasParent { get; init; }

    /// <summary>Reads the item.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than 8 bytes.</exception>
    public static VhdxFileParameters Parse(ReadOnlySpan<byte> source)
    {
        VhdxFields.RequireLength(source, Size, "file parameters item");
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        return new VhdxFileParameters
        {
            BlockSize = BinaryPrimitives.ReadUInt32LittleEndian(source),
            LeaveBlockAllocated = (flags & 1) != 0,
            HasParent = (flags & 2) != 0,
        };
    }

    /// <summary>Writes the item.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than 8 bytes.</exception>
    public void WriteTo(Span<byte> destination)
    {
        VhdxFields.RequireLength(destination, Size, "file parameters item");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, BlockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (LeaveBlockAllocated ? 1u : 0u) | (HasParent ? 2u : 0u));
    }
}
