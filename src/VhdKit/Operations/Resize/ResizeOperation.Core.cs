using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of ResizeOperation: the work itself, with the seams tests and the automation API use.
public static partial class ResizeOperation
{
    /// <summary>The resize <see cref="ResizeOperation"/> runs: checks, then (unless cancelled by then) the editor's changes.</summary>
    internal static ResizeResult Resize(ResizeRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Path);
        string path = request.Path;
        long newSize = request.NewSize;
        if (!StorageLocations.IsUrl(path) && ImageFormatProbe.HoldsVhdx(path))
        {
            return ResizeVhdx(Path.GetFullPath(path), newSize, progress, cancellationToken);
        }

        DiskSizeRule.Check(newSize, "The new size");

        string fullPath = Path.GetFullPath(path);
        using VhdImage image = VhdImage.Open(fullPath, new VhdOpenOptions { Writable = true });
        if (image.DiskType == VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(fullPath, image.DiskType, "resizing", "a fixed or dynamic disk (a differencing disk's size is its parent's)");
        }

        ThrowIfChildren(fullPath, image.UniqueId);
        long sizeBefore = image.Capacity;
        long fileBefore = image.FileLength;
        progress?.Report(new OperationProgress(0, 1));

        // The one safe point: every check is done and nothing is written yet. Past it the editor's ordered
        // writes run to the end, so a cancellation never leaves a half-resized image.
        cancellationToken.ThrowIfCancellationRequested();
        Resize(image, newSize);
        progress?.Report(new OperationProgress(1, 1));
        return new ResizeResult(fullPath, sizeBefore, newSize, fileBefore, image.FileLength,
            sizeBefore == newSize ? [$"{fullPath} is already {newSize} bytes; nothing was changed."] : []);
    }

    /// <summary>Resizes <paramref name="image"/> (open for writing) to <paramref name="newSize"/> bytes; the caller has checked the size and the children.</summary>
    internal static void Resize(VhdImage image, long newSize)
    {
        if (image.DiskType == VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(image.Path, image.DiskType, "resizing", "a fixed or dynamic disk (a differencing disk's size is its parent's)");
        }

        if (newSize == image.Capacity)
        {
            return;
        }

        var editor = new MetadataEditor(image);
        VhdFooter footer = FooterFor(image.Footer, newSize);
        if (image.DiskType == VhdDiskType.Fixed)
        {
            ResizeFixed(image, editor, footer, newSize);
        }
        else
        {
            ResizeDynamic(image, editor, footer, newSize);
        }
    }

    /// <summary>
    /// The footer for the new size (current and original size): the specification's CHS for it, and a creator that makes every reader take the
    /// current size. qemu believes C×H×S for creators other than <c>win </c>, <c>qem2</c>, <c>d2v </c>, <c>CTXS</c>
    /// and <c>tap\0</c>; when such an image's new size is not exactly C×H×S, the creator becomes VhdKit's (<c>win </c>),
    /// otherwise it is kept.
    /// </summary>
    private static VhdFooter FooterFor(VhdFooter footer, long newSize)
    {
        DiskGeometry geometry = DiskGeometry.FromCapacity(newSize);
        // The original size too: libvhdi (20210425, measured) reports the original size as the media size, so
        // keeping the creation size there would make it disagree with every other reader.
        VhdFooter resized = footer with { CurrentSize = (ulong)newSize, OriginalSize = (ulong)newSize, Geometry = geometry };
        if (!VhdFooter.ReadersTakeCurrentSize(footer.CreatorApplication) && geometry.CapacityInBytes != newSize && !geometry.IsMaximum)
        {
            resized = resized with
            {
                CreatorApplication = VhdFooter.VhdKitCreator,
                CreatorVersion = VhdFooter.VhdKitCreatorVersion,
                CreatorHostOs = VhdFooter.WindowsHostOs,
            };
        }

        return resized;
    }

    private static void ThrowIfChildren(string fullPath, Guid id)
    {
        if (ChildrenBeside.Find(fullPath, id, []) is [string child, ..])
        {
            throw new InvalidOperationException($"{child} is a child of {fullPath}; a child's size must equal its parent's, so the parent cannot be resized. Merge or delete the child first.");
        }
    }

    private static void ResizeFixed(VhdImage image, MetadataEditor editor, VhdFooter footer, long newSize)
    {
        if (newSize < image.Capacity)
        {
            throw new InvalidOperationException($"{image.Path}: a fixed disk is not shrunk (its last {image.Capacity - newSize} bytes may hold data); convert it instead.");
        }

        editor.MoveEndFooter(newSize, footer);
    }

    private static void ResizeDynamic(VhdImage image, MetadataEditor editor, VhdFooter footer, long newSize)
    {
        DynamicHeader header = image.Header!.Value;
        uint entries = checked((uint)((newSize + header.BlockSize - 1) / header.BlockSize));
        uint inUse = (uint)image.Bat!.Count;
        if (newSize < image.Capacity)
        {
            foreach (DiskExtent held in LayerWalk.Extents([image], image.Capacity, allocatedOnly: true))
            {
                if (held.Offset + held.Length > newSize)
                {
                    throw new InvalidOperationException($"{image.Path} holds data up to byte {held.Offset + held.Length}; it cannot shrink to {newSize} bytes.");
                }
            }

            for (int block = (int)entries; block < image.Bat.Count; block++)
            {
                if (image.Bat.IsAllocated(block))
                {
                    throw new InvalidOperationException($"{image.Path} has block {block} allocated past the new size {newSize}.");
                }
            }

            // Shrink: the footers first (the header's larger entry count is tolerated for the smaller size), then the header.
            editor.SetFooter(footer);
            editor.SetHeader(header with { MaxTableEntries = entries });
            return;
        }

        DynamicHeader grown;
        if (BlockAllocationTable.SizeInBytes(entries) > BlockAllocationTable.SizeInBytes(header.MaxTableEntries))
        {
            // A larger table goes past the end of everything (never over the old end footer): the entries in use
            // first, the new ones unallocated.
            var table = new BlockAllocationTable((int)entries);
            for (int block = 0; block < image.Bat.Count; block++)
            {
                table[block] = image.Bat[block];
            }

            var bytes = new byte[BlockAllocationTable.SizeInBytes(entries)];
            table.WriteTo(bytes);
            long offset = editor.Reserve(bytes.Length);
            editor.Stage(offset, bytes);
            grown = header with { TableOffset = (ulong)offset, MaxTableEntries = entries };
        }
        else
        {
            // The new entries fit in the table's sectors: make sure they say "unallocated" (some writers pad with
            // zeros; blktap's spare entries may hold anything).
            editor.StageUnallocatedEntries(inUse, entries, inUse);
            grown = header with { MaxTableEntries = Math.Max(entries, header.MaxTableEntries) };
        }

        // Grow: the header first (more entries than the old size needs is tolerated), then the footers.
        editor.SetHeader(grown);
        editor.SetFooter(footer);
    }
}
