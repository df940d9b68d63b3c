using System.Buffers;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;

namespace VhdKit.Operations;

/// <summary>
/// Decides, chunk by chunk, what each block of a VHDX being compacted becomes (see
/// <see cref="CompactOperation"/>'s VHDX remarks), writing the sectors it keeps into the new file as it goes and
/// keeping or dropping the block at its last chunk. Blocks come in increasing order, each as consecutive chunks.
/// </summary>
internal sealed class VhdxBlockDecision : IDisposable
{
    private readonly VhdxImage _leaf;
    private readonly bool _child;
    private readonly int _sector;
    private readonly int _bitmapLength;
    private readonly byte[] _bits;
    private long _block = -1;
    private VhdxBlockState _state;
    private bool _zeros;
    private bool _asParent;
    private int _kept;

    /// <param name="leaf">The image compacted.</param>
    /// <param name="child">Whether it has a parent (what shows through it is then the parent's, else zeros).</param>
    public VhdxBlockDecision(VhdxImage leaf, bool child)
    {
        _leaf = leaf;
        _child = child;
        _sector = leaf.LogicalSectorSize;
        _bitmapLength = leaf.BlockSize / leaf.LogicalSectorSize / 8; // at most 64 KiB (256 MiB blocks of 512-byte sectors)
        _bits = ArrayPool<byte>.Shared.Rent(_bitmapLength);
    }

    /// <summary>Takes the next chunk: <paramref name="data"/> as the chain reads it, <paramref name="underneath"/> as it reads without the leaf.</summary>
    /// <exception cref="IOException">Reading a sector bitmap or writing the new file failed.</exception>
    public void Add(VhdxBlockFiller filler, ReadOnlySpan<byte> data, ReadOnlySpan<byte> underneath, long offset)
    {
        long block = offset / _leaf.BlockSize;
        if (block != _block)
        {
            filler.Begin(block);
            _block = block;
            _state = _leaf.PayloadEntry(block).State;
            _zeros = true;
            _asParent = true;
            _kept = 0;
            Array.Clear(_bits, 0, _bitmapLength);
        }

        long blockStart = block * _leaf.BlockSize;
        int first = (int)((offset - blockStart) / _sector);
        int sectors = data.Length / _sector;
        int writeFrom = -1;
        for (int s = 0; s < sectors;)
        {
            // Which sectors the leaf holds itself: all of a FULLY_PRESENT block, the set bits of a PARTIALLY_PRESENT one.
            bool held = _state == VhdxBlockState.FullyPresent;
            int run = sectors - s;
            if (_state == VhdxBlockState.PartiallyPresent)
            {
                held = _leaf.Map(offset + ((long)s * _sector), (long)run * _sector, out _, out long length) == LayerRun.Held;
                run = (int)(length / _sector);
            }

            for (int i = s; i < s + run; i++)
            {
                ReadOnlySpan<byte> sector = data.Slice(i * _sector, _sector);
                bool zero = !sector.ContainsAnyExcept((byte)0);
                bool differs = !sector.SequenceEqual(underneath.Slice(i * _sector, _sector));
                _zeros &= zero;
                _asParent &= !differs;
                bool keep = held && (_state == VhdxBlockState.FullyPresent || differs);
                if (keep)
                {
                    VhdxSectorBitmap.Set(_bits, first + i, 1);
                    _kept++;
                }

                bool write = keep && !zero; // the new file is sparse: a sector of zeros reads as zeros unwritten
                if (write && writeFrom < 0)
                {
                    writeFrom = i;
                }
                else if (!write && writeFrom >= 0)
                {
                    filler.Write(data[(writeFrom * _sector)..(i * _sector)], offset + ((long)writeFrom * _sector));
                    writeFrom = -1;
                }
            }

            s += run;
        }

        if (writeFrom >= 0)
        {
            filler.Write(data[(writeFrom * _sector)..], offset + ((long)writeFrom * _sector));
        }

        long blockEnd = Math.Min(blockStart + _leaf.BlockSize, _leaf.Capacity);
        if (offset + data.Length == blockEnd)
        {
            Decide(filler, (int)((blockEnd - blockStart) / _sector));
        }
    }

    private void Decide(VhdxBlockFiller filler, int sectorsInBlock)
    {
        if (_child && _asParent)
        {
            filler.Drop(VhdxBlockState.NotPresent); // the parent's content shows through
        }
        else if (_zeros)
        {
            filler.Drop(VhdxBlockState.Zero); // in a child: over a parent that does not read zeros here
        }
        else if (_state == VhdxBlockState.FullyPresent || _kept == sectorsInBlock)
        {
            filler.Keep(VhdxBlockState.FullyPresent, default);
        }
        else
        {
            filler.Keep(VhdxBlockState.PartiallyPresent, _bits.AsSpan(0, _bitmapLength));
        }
    }

    /// <inheritdoc />
    public void Dispose() => ArrayPool<byte>.Shared.Return(_bits);
}
