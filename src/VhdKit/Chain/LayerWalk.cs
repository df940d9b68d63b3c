using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Chain;

/// <summary>
/// The walk every reader of a chain shares (qemu's block layer): ask each layer, leaf first, whether it holds
/// the start of a range; a layer that does not bounds the run by where its own answer changes, and the next is
/// asked about that shorter run. Allocation-free, for per-read use.
/// </summary>
internal static class LayerWalk
{
    /// <summary>The index of the first layer holding <paramref name="offset"/>, or -1 when none does (zeros).</summary>
    /// <param name="layers">Leaf first.</param>
    /// <param name="offset">Virtual offset.</param>
    /// <param name="want">The most bytes wanted (greater than 0).</param>
    /// <param name="fileOffset">Where the run lies in that layer's file.</param>
    /// <param name="length">The run's length: the answer holds for this many bytes.</param>
    public static int Locate(ReadOnlySpan<VhdImage> layers, long offset, long want, out long fileOffset, out long length)
    {
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i].Map(offset, want, out fileOffset, out length))
            {
                return i;
            }

            want = length;
        }

        fileOffset = 0;
        length = want;
        return -1;
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>: one read per run, zeros where no layer holds the run.</summary>
    /// <exception cref="IOException">A file could not be read.</exception>
    public static void Read(ReadOnlySpan<VhdImage> layers, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            int layer = Locate(layers, offset, buffer.Length, out long fileOffset, out long length);
            Span<byte> run = buffer[..(int)length];
            if (layer >= 0)
            {
                layers[layer].Storage.ReadExactly(run, fileOffset, "Block data");
            }
            else
            {
                run.Clear();
            }

            buffer = buffer[(int)length..];
            offset += length;
        }
    }
}
