using System.Buffers.Binary;
using VhdKit.Format.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Images.Vhdx;

/// <summary>
/// Fills a new dynamic or differencing VHDX, laid out by <see cref="VhdxNewImage"/> (every block NOT_PRESENT), block by
/// block in increasing order, with no log: the file is a temporary one no reader sees before the caller flushes it
/// and renames it into place. A block begins at the next 1 MiB-aligned place after the last one kept; what is written
/// into it stays there if the block is kept, and is cut off if it is dropped (NOT_PRESENT or ZERO: it was the last
/// thing in the file). A chunk's sector bitmap block goes right after the first PARTIALLY_PRESENT block of its chunk.
/// The BAT is written once, by <see cref="Finish"/>.
/// </summary>
internal sealed class VhdxBlockFiller
{
    private readonly IPositionalStorage _storage;
    private readonly VhdxBatGeometry _geometry;
    private readonly uint _logicalSectorSize;
    private readonly ulong[] _bat;
    private long _end;
    private long _open = -1;

    /// <summary>Writes <paramref name="plan"/> (a dynamic or differencing image) into the empty <paramref name="storage"/>.</summary>
    /// <exception cref="ArgumentException">The plan is for a fixed disk.</exception>
    /// <exception cref="IOException">A write failed.</exception>
    public VhdxBlockFiller(IPositionalStorage storage, VhdxNewImage plan)
    {
        if (plan.Fixed)
        {
            throw new ArgumentException("A fixed VHDX has all its blocks from the start; only a dynamic or differencing one is filled block by block.", nameof(plan));
        }

        plan.WriteTo(storage);
        _storage = storage;
        _geometry = new VhdxBatGeometry(plan.Size, plan.BlockSize, plan.LogicalSectorSize, plan.ParentLocator is not null);
        _logicalSectorSize = plan.LogicalSectorSize;
        _bat = new ulong[_geometry.TotalEntries]; // at most VhdxImage.MaxBatEntries: the same bound as the image it rewrites
        _end = plan.DataOffset;
    }

    /// <summary>The payload blocks kept so far (FULLY_PRESENT or PARTIALLY_PRESENT).</summary>
    public int PayloadBlocks { get; private set; }

    /// <summary>Starts block <paramref name="block"/> (after every block begun before): its data may now be written.</summary>
    /// <exception cref="InvalidOperationException">A block is still open, or <paramref name="block"/> is not after the last one.</exception>
    public void Begin(long block)
    {
        if (_open >= 0)
        {
            throw new InvalidOperationException($"Block {_open} is still open; keep or drop it before block {block}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, _geometry.DataBlockCount);
        _open = block;
    }

    /// <summary>Writes bytes of the open block at <paramref name="virtualOffset"/> (inside it).</summary>
    /// <exception cref="IOException">The write failed.</exception>
    public void Write(ReadOnlySpan<byte> data, long virtualOffset)
    {
        long inBlock = virtualOffset - (_open * _geometry.BlockSize);
        if (_open < 0 || inBlock < 0 || inBlock + data.Length > _geometry.BlockSize)
        {
            throw new InvalidOperationException($"{data.Length} bytes at {virtualOffset} do not lie in the open block ({_open}).");
        }

        _storage.Write(data, _end + inBlock);
    }

    /// <summary>
    /// Keeps the open block: FULLY_PRESENT, or PARTIALLY_PRESENT with <paramref name="bitmap"/> (its sectors' bits,
    /// least significant bit first) as its part of the chunk's sector bitmap.
    /// </summary>
    /// <exception cref="IOException">Writing the bitmap failed.</exception>
    public void Keep(VhdxBlockState state, ReadOnlySpan<byte> bitmap)
    {
        long block = TakeOpen();
        long start = _end;
        _end += _geometry.BlockSize;
        if (state == VhdxBlockState.PartiallyPresent)
        {
            long bitmapIndex = _geometry.BitmapEntryIndexFor(block);
            if (_bat[bitmapIndex] == 0)
            {
                _bat[bitmapIndex] = VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)_end).Raw;
                _end += VhdxLayout.MiB;
            }

            long at = (long)new VhdxBatEntry(_bat[bitmapIndex]).FileOffset + _geometry.BitmapByteOffsetFor(block, _logicalSectorSize);
            _storage.Write(bitmap[..(int)(_geometry.BlockSize / _logicalSectorSize / 8)], at);
        }
        else if (state != VhdxBlockState.FullyPresent)
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A kept block is FULLY_PRESENT or PARTIALLY_PRESENT.");
        }

        _bat[_geometry.PayloadEntryIndex(block)] = VhdxBatEntry.Create(state, (ulong)start).Raw;
        PayloadBlocks++;
    }

    /// <summary>Drops the open block (what was written into it is cut off) and gives it <paramref name="state"/>, one without payload.</summary>
    /// <exception cref="IOException">Cutting the file failed.</exception>
    public void Drop(VhdxBlockState state)
    {
        long block = TakeOpen();
        if (_storage.Length > _end)
        {
            _storage.SetLength(_end);
        }

        Mark(block, state);
    }

    /// <summary>Gives a block that was not begun a state without payload (ZERO, UNMAPPED, UNDEFINED; NOT_PRESENT is every entry's start).</summary>
    public void Mark(long block, VhdxBlockState state)
    {
        if (state is VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent)
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A block without payload.");
        }

        _bat[_geometry.PayloadEntryIndex(block)] = VhdxBatEntry.Create(state, 0).Raw;
    }

    /// <summary>Writes the BAT and sets the file's length to the end of the last block kept.</summary>
    /// <exception cref="IOException">A write failed.</exception>
    public void Finish()
    {
        if (_open >= 0)
        {
            throw new InvalidOperationException($"Block {_open} is still open.");
        }

        _storage.SetLength(_end);
        const int EntriesPerPiece = VhdxLayout.MiB / VhdxBatEntry.Size;
        byte[] piece = new byte[VhdxLayout.MiB];
        for (long first = 0; first < _bat.Length; first += EntriesPerPiece)
        {
            int count = (int)Math.Min(EntriesPerPiece, _bat.Length - first);
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(piece.AsSpan(i * VhdxBatEntry.Size), _bat[first + i]);
            }

            _storage.Write(piece.AsSpan(0, count * VhdxBatEntry.Size), VhdxNewImage.BatOffset + (first * VhdxBatEntry.Size));
        }
    }

    private long TakeOpen()
    {
        long block = _open;
        if (block < 0)
        {
            throw new InvalidOperationException("No block is open.");
        }

        _open = -1;
        return block;
    }
}
