using System.Buffers;
using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// Compacting a VHDX: the same whole-file rewrite as a VHD's, into a new file filled block by block.
public static partial class CompactOperation
{
    /// <summary>
    /// Rewrites a dynamic or differencing VHDX with its payload blocks decided anew (see <see cref="CompactVhdxBlocks"/>),
    /// keeping its VirtualDiskId, DataWriteGuid (so its children still link), sizes, parent locator and unknown
    /// optional metadata items. The image is held alone (opened for reading and writing, never written: a pending
    /// log is replayed in memory and the new file holds the replayed content). Temporary files an interrupted
    /// compaction of the image left beside it are deleted first (<see cref="StaleVhdxRewrites"/>; a warning names each).
    /// </summary>
    private static CompactResult CompactVhdx(string fullPath, Func<IPositionalStorage, IPositionalStorage> wrapTemporary,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        using VhdxChain chain = OpenVhdxAlone(fullPath);
        VhdxImage source = chain.Leaf;
        if (source.Metadata.FileParameters.LeaveBlockAllocated)
        {
            throw new WrongImageTypeException(fullPath, source.DiskType, "compacting", source.DiskType == VhdDiskType.Fixed
                ? "a dynamic or differencing disk (a fixed disk has no blocks to drop)"
                : "a disk whose file parameters allow dropping blocks (this one sets LeaveBlockAllocated)");
        }

        // What a compaction of this image killed before its rename left (a crash leaves its temporary file behind).
        ImmutableArray<string> removed = StaleVhdxRewrites.Remove(fullPath, source.DataWriteGuid);
        VhdxNewImage plan = PlanOf(source);
        long before = source.FileLength;
        (int blocksAfter, long scanned) = Rewrite(fullPath, wrapTemporary, storage =>
        {
            var filler = new VhdxBlockFiller(storage, plan);
            long compared = CompactVhdxBlocks(chain, filler, progress, cancellationToken);
            filler.Finish();
            return (filler.PayloadBlocks, compared);
        });
        return new CompactResult(fullPath, before, new FileInfo(fullPath).Length, PayloadBlocksOf(source), blocksAfter, scanned,
            chain.Warnings.AddRange(removed.Select(stale => $"Removed {stale}, the temporary file of an interrupted compaction of this image.")));
    }

    /// <summary>Opens the VHDX chain of <paramref name="fullPath"/>, the leaf alone (for reading and writing, so a read-only file is refused; never written).</summary>
    private static VhdxChain OpenVhdxAlone(string fullPath)
    {
        FileStorage file;
        try
        {
            file = FileStorage.Open(fullPath, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (ImageInUseException.IsSharingViolation(e))
        {
            throw new ImageInUseException(fullPath, e);
        }

        VhdxImage leaf;
        try
        {
            leaf = VhdxImage.Open(file, leaveOpen: false);
        }
        catch
        {
            file.Dispose();
            throw;
        }

        return VhdxChain.Open(leaf, VhdOpenOptions.DefaultMaxChainDepth);
    }

    /// <summary>The new file: the image's identity, sizes, parent locator and unknown optional metadata items, every block NOT_PRESENT.</summary>
    private static VhdxNewImage PlanOf(VhdxImage source)
    {
        long metadataOffset = (long)source.RegionTable.Find(VhdxGuids.MetadataRegion)!.Value.FileOffset;
        var kept = ImmutableArray.CreateBuilder<KeptMetadataItem>(source.Metadata.UnknownItems.Length);
        foreach (VhdxMetadataEntry entry in source.Metadata.UnknownItems)
        {
            byte[] data = new byte[entry.Length]; // at most 1 MiB each, in a table of at most 2047: the scan checked both
            source.Storage.ReadExactly(data, metadataOffset + entry.Offset, "VHDX metadata item");
            kept.Add(new KeptMetadataItem(entry, data));
        }

        return new VhdxNewImage
        {
            Size = source.Metadata.VirtualDiskSize,
            BlockSize = source.Metadata.FileParameters.BlockSize,
            LogicalSectorSize = source.Metadata.LogicalSectorSize,
            PhysicalSectorSize = source.Metadata.PhysicalSectorSize,
            Fixed = false,
            VirtualDiskId = source.VirtualDiskId,
            DataWriteGuid = source.DataWriteGuid,
            ParentLocator = source.Metadata.ParentLocator is { } locator ? locator.Entries : null,
            KeptItems = kept.ToImmutable(),
        };
    }

    private static int PayloadBlocksOf(VhdxImage image)
    {
        int count = 0;
        for (long block = 0; block < image.Geometry.DataBlockCount; block++)
        {
            count += image.PayloadEntry(block).State is VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// Decides every block of the leaf and fills the new file; returns the bytes compared. Blocks without payload keep
    /// their state (NOT_PRESENT, UNDEFINED, UNMAPPED; ZERO in a disk without a parent). The blocks holding payload (and
    /// a child's ZERO blocks) are read through the chain and compared with what shows through without the leaf (its
    /// parents' content, or zeros): a child's block that reads as its parent does becomes NOT_PRESENT; a block that
    /// reads as zeros otherwise becomes ZERO (in a child it hides the parent's non-zero bytes); a PARTIALLY_PRESENT
    /// block keeps only the sectors it holds that differ from the parent's (FULLY_PRESENT when that is all of them);
    /// a FULLY_PRESENT block stays so. Sectors of zeros are not written (the new file is sparse).
    /// </summary>
    private static long CompactVhdxBlocks(VhdxChain chain, VhdxBlockFiller filler, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        VhdxImage leaf = chain.Leaf;
        bool child = leaf.DiskType == VhdDiskType.Differencing;
        var extents = ImmutableArray.CreateBuilder<DiskExtent>();
        for (long block = 0; block < leaf.Geometry.DataBlockCount; block++)
        {
            VhdxBlockState state = leaf.PayloadEntry(block).State;
            long start = block * leaf.BlockSize;
            if (state is VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent || (child && state == VhdxBlockState.Zero))
            {
                extents.Add(new DiskExtent(start, Math.Min(leaf.BlockSize, leaf.Capacity - start), 0));
            }
            else if (state != VhdxBlockState.NotPresent)
            {
                filler.Mark(block, state);
            }
        }

        IDiskLayer[] layers = [.. chain.Images];
        IDiskLayer[] parents = layers[1..];
        var decision = new VhdxBlockDecision(leaf, child);
        byte[] below = ArrayPool<byte>.Shared.Rent(CopyEngine.ChunkSize);
        try
        {
            return CopyEngine.Copy(extents.ToImmutable(), (chunk, offset) => LayerWalk.Read(layers, chunk, offset), (data, offset) =>
            {
                Span<byte> underneath = below.AsSpan(0, data.Length);
                LayerWalk.Read(parents, underneath, offset); // zeros under a disk without a parent
                decision.Add(filler, data, underneath, offset);
            }, progress, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(below);
            decision.Dispose();
        }
    }
}
