using System.Buffers;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// The copy engine's <see cref="ChunkCopier"/> for a merge into a VHD (issue 13: merge at <c>cp</c>'s speed): each run
/// of a chunk that a layer holds lies contiguous in that layer's file and goes to a contiguous range of one of the
/// target's blocks, so it is copied file to file with copy_file_range where both are local files (the bytes never
/// pass through user space), through a buffer where not. A run the layers decide reads as zeros ends what it does:
/// the engine reads and writes the rest of the chunk.
/// </summary>
internal sealed class MergeCopier : IDisposable
{
    private readonly IDiskLayer[] _layers;
    private readonly VhdImage _target;
    private readonly byte[] _buffer;
    private readonly RangeCopier _copier;

    /// <summary>A copier from <paramref name="layers"/> (leaf first) into <paramref name="target"/>, chunks of at most <paramref name="chunkSize"/>.</summary>
    public MergeCopier(IDiskLayer[] layers, VhdImage target, int chunkSize)
    {
        _layers = layers;
        _target = target;
        _buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
        _copier = new RangeCopier(_buffer);
    }

    /// <summary>The bytes the kernel copied so far.</summary>
    public long KernelBytes => _copier.KernelBytes;

    /// <summary>Copies the runs the layers hold from the start of [<paramref name="offset"/>, + <paramref name="count"/>).</summary>
    /// <returns>The bytes done from <paramref name="offset"/>.</returns>
    /// <exception cref="IOException">Reading or writing failed.</exception>
    public int Copy(long offset, int count)
    {
        int done = 0;
        while (done < count)
        {
            int layer = LayerWalk.Locate(_layers, offset + done, count - done, out long fileOffset, out long run);
            if (layer < 0)
            {
                return done;
            }

            _target.CopySectors(_layers[layer].Storage, fileOffset, offset + done, (int)run, _copier);
            done += (int)run;
        }

        return done;
    }

    /// <inheritdoc />
    public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
}
