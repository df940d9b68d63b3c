using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Changes the virtual size of a fixed or dynamic disk in place. Growing is always allowed (up to 2040 GiB);
/// a dynamic disk shrinks only when nothing is stored past the new end; a fixed disk does not shrink (its tail
/// may hold data nobody tracks). A differencing disk's size is its parent's, and a disk with children beside
/// it is refused, since their size must equal their parent's.
/// </summary>
/// <remarks>
/// Crash-safe order. Dynamic: when the table must grow past its sectors, the larger table is written past the end
/// of the file first and flushed; then the header's first sector (table offset, entry count, checksum) is
/// rewritten, a single-sector write; flush; then both footers with the new size and geometry; flush. A crash
/// between leaves a header that describes more entries than the old size needs, which opening tolerates (and
/// the old size). Fixed: the file is extended (zeros), the new footer written at the new end and flushed, then
/// the old footer's sector, now inside the data, is zeroed and flushed; a crash between leaves the old footer's
/// bytes in that one new sector.
/// </remarks>
public static class DiskResizer
{
    /// <summary>Resizes the image at <paramref name="path"/> to <paramref name="newSize"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not a multiple of 512 from 3 MiB to 2040 GiB.</exception>
    /// <exception cref="WrongImageTypeException">The image is a differencing disk.</exception>
    /// <exception cref="InvalidOperationException">Shrinking would cut stored data, shrinking a fixed disk, or the disk has children.</exception>
    /// <exception cref="ImageInUseException">The image is open elsewhere.</exception>
    /// <exception cref="IOException">Writing failed; the image stays valid.</exception>
    public static void Resize(string path, long newSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (newSize < VhdConstants.MinimumDiskSize || newSize > VhdConstants.MaximumDiskSize || newSize % VhdConstants.SectorSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(newSize), newSize,
                $"The size must be a multiple of 512 bytes from {VhdConstants.MinimumDiskSize} (3 MiB) to {VhdConstants.MaximumDiskSize} (2040 GiB) bytes.");
        }

        string fullPath = Path.GetFullPath(path);
        using VhdImage image = VhdImage.Open(fullPath, new VhdOpenOptions { Writable = true });
        if (image.DiskType == VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(fullPath, image.DiskType, "resizing (its size is its parent's)");
        }

        ThrowIfChildren(fullPath, image.UniqueId);
        if (newSize == image.Capacity)
        {
            return;
        }

        VhdFooter footer = image.Footer with { CurrentSize = (ulong)newSize, Geometry = DiskGeometry.ForNewImage(newSize) };
        if (image.DiskType == VhdDiskType.Fixed)
        {
            ResizeFixed(image, footer, newSize);
        }
        else
        {
            ResizeDynamic(image, footer, newSize);
        }
    }

    private static void ThrowIfChildren(string fullPath, Guid id)
    {
        if (ChildrenBeside.Find(fullPath, id, []) is [string child, ..])
        {
            throw new InvalidOperationException($"{child} is a child of {fullPath}; a child's size must equal its parent's, so the parent cannot be resized. Merge or delete the child first.");
        }
    }

    private static void ResizeFixed(VhdImage image, VhdFooter footer, long newSize)
    {
        if (newSize < image.Capacity)
        {
            throw new InvalidOperationException($"{image.Path}: a fixed disk is not shrunk (its last {image.Capacity - newSize} bytes may hold data); convert it instead.");
        }

        IPositionalStorage storage = image.Storage;
        long oldFooter = image.FooterOffset;
        storage.SetLength(newSize + VhdFooter.Size);
        Span<byte> bytes = stackalloc byte[VhdFooter.Size];
        footer.WriteTo(bytes);
        storage.Write(bytes, newSize);
        storage.Flush();
        bytes.Clear();
        storage.Write(bytes, oldFooter);
        storage.Flush();
    }

    private static void ResizeDynamic(VhdImage image, VhdFooter footer, long newSize)
    {
        DynamicHeader header = image.Header!.Value;
        uint entries = checked((uint)((newSize + header.BlockSize - 1) / header.BlockSize));
        if (newSize < image.Capacity)
        {
            foreach ((long offset, long length) in image.GetAllocatedRanges())
            {
                if (offset + length > newSize)
                {
                    throw new InvalidOperationException($"{image.Path} holds data up to byte {offset + length}; it cannot shrink to {newSize} bytes.");
                }
            }

            for (int block = (int)entries; block < image.Bat!.Count; block++)
            {
                if (image.Bat.IsAllocated(block))
                {
                    throw new InvalidOperationException($"{image.Path} has block {block} allocated past the new size {newSize}.");
                }
            }
        }

        IPositionalStorage storage = image.Storage;
        long headerOffset = (long)image.Footer.HeaderOffset!.Value;
        ulong tableOffset = header.TableOffset;
        long end = BlockAllocationTable.AlignUp(Math.Max(image.FooterOffset, storage.Length - VhdFooter.Size), VhdConstants.SectorSize);
        if (BlockAllocationTable.SizeInBytes(entries) > BlockAllocationTable.SizeInBytes(header.MaxTableEntries))
        {
            // A larger table goes past the end of everything, the old entries first, the new ones unallocated.
            var table = new BlockAllocationTable((int)entries);
            for (int block = 0; block < image.Bat!.Count; block++)
            {
                table[block] = image.Bat[block];
            }

            var bytes = new byte[BlockAllocationTable.SizeInBytes(entries)];
            table.WriteTo(bytes);
            tableOffset = (ulong)end;
            storage.Write(bytes, end);
            end += bytes.Length;
            storage.Flush();
        }
        else if (entries > header.MaxTableEntries)
        {
            // The new entries fit in the table's last sector: make sure they say "unallocated" (some writers pad with zeros).
            var unallocated = new byte[(entries - header.MaxTableEntries) * 4];
            unallocated.AsSpan().Fill(0xFF);
            storage.Write(unallocated, (long)tableOffset + (header.MaxTableEntries * 4L));
            storage.Flush();
        }

        Span<byte> headerBytes = stackalloc byte[DynamicHeader.Size];
        (header with { TableOffset = tableOffset, MaxTableEntries = entries }).WriteTo(headerBytes);
        storage.Write(headerBytes[..VhdConstants.SectorSize], headerOffset); // only the first sector changed
        storage.Flush();

        Span<byte> footerBytes = stackalloc byte[VhdFooter.Size];
        footer.WriteTo(footerBytes);
        storage.Write(footerBytes, 0);
        storage.Write(footerBytes, end);
        if (storage.Length != end + VhdFooter.Size)
        {
            storage.SetLength(end + VhdFooter.Size);
        }

        storage.Flush();
    }
}
