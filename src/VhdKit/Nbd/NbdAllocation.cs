using System.Buffers.Binary;
using VhdKit.Chain;

namespace VhdKit.Nbd;

/// <summary>
/// The <c>base:allocation</c> answer for a range: runs that some layer of the chain holds are data (status 0);
/// runs that no layer holds read as zeros and have no storage (NBD_STATE_HOLE | NBD_STATE_ZERO). This is
/// <see cref="VirtualDisk.GetExtents"/> restricted to the requested range (asking each layer, VHD or
/// VHDX, in turn), so that a request costs what its range costs, not what the disk does.
/// </summary>
internal static class NbdAllocation
{
    /// <summary>One descriptor on the wire: length (u32), status flags (u32).</summary>
    public const int DescriptorSize = 8;

    /// <summary>The longest descriptor sent, a multiple of 512 below 4 GiB.</summary>
    private const long MaxDescriptorLength = 0xFFFF_FE00;

    /// <summary>
    /// Writes descriptors for [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>)
    /// into <paramref name="destination"/>, merging adjacent runs of the same status, and stops when it is full
    /// (the protocol lets the answer cover only a prefix of the range).
    /// </summary>
    /// <returns>The number of bytes written (a multiple of <see cref="DescriptorSize"/>, at least one descriptor).</returns>
    public static int Describe(VirtualDisk disk, long offset, long length, Span<byte> destination)
    {
        int written = 0;
        long runLength = 0;
        NbdAllocationState runState = NbdAllocationState.Data;
        long end = offset + length;
        while (offset < end)
        {
            (bool allocated, long span) = Locate(disk, offset, end - offset);
            NbdAllocationState state = allocated ? NbdAllocationState.Data : NbdAllocationState.Hole | NbdAllocationState.Zero;
            if (runLength > 0 && (state != runState || runLength + span > MaxDescriptorLength))
            {
                if (written + DescriptorSize > destination.Length - DescriptorSize)
                {
                    break;
                }

                written += WriteDescriptor(destination[written..], runLength, runState);
                runLength = 0;
            }

            runState = state;
            runLength += span;
            offset += span;
        }

        written += WriteDescriptor(destination[written..], runLength, runState);
        return written;
    }

    /// <summary>Whether any layer holds the bytes at <paramref name="offset"/>, and for how long a run the answer stays the same.</summary>
    private static (bool Allocated, long Length) Locate(VirtualDisk disk, long offset, long want)
    {
        int layer = LayerWalk.Locate(disk.WalkLayers, offset, want, out _, out long length);
        return (layer >= 0, length);
    }

    private static int WriteDescriptor(Span<byte> destination, long length, NbdAllocationState state)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)state);
        return DescriptorSize;
    }
}
