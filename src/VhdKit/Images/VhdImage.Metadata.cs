using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>Reading and validating an image's metadata.</summary>
public sealed partial class VhdImage
{
    private static Metadata ReadMetadata(IPositionalStorage storage)
    {
        var metadata = new Metadata();
        long length = storage.Length;
        ReadFooter(storage, length, metadata);
        if (metadata.Footer.DiskType == VhdDiskType.Fixed)
        {
            long needed = metadata.Capacity + FooterLayout.LegacySize;
            if (length < needed)
            {
                throw FormatErrors.Field("Footer", "CurrentSize", metadata.FooterOffset + FooterLayout.CurrentSize,
                    $"at most {length - VhdFooter.Size} bytes (the data a {length}-byte fixed image holds)",
                    metadata.Footer.CurrentSize.ToString(CultureInfo.InvariantCulture));
            }

            return metadata;
        }

        DynamicHeader header = ReadHeader(storage, length, metadata);
        metadata.Header = header;
        metadata.Bat = ReadBat(storage, length, header, metadata);
        if (metadata.Footer.DiskType == VhdDiskType.Differencing)
        {
            metadata.Locators = ReadLocators(storage, length, header, metadata);
        }

        return metadata;
    }

    private static void ReadFooter(IPositionalStorage storage, long length, Metadata metadata)
    {
        if (length < FooterLayout.LegacySize)
        {
            throw new VhdFormatException(string.Create(CultureInfo.InvariantCulture,
                $"{storage.Name} is {length} bytes long; a VHD holds at least a {VhdFooter.Size}-byte footer."));
        }

        // Very old images end with a 511-byte footer (tolerated: read it as a 512-byte one ending in a zero).
        int footerLength = length % VhdConstants.SectorSize == FooterLayout.LegacySize ? FooterLayout.LegacySize : VhdFooter.Size;
        long endOffset = length - footerLength;
        Span<byte> buffer = stackalloc byte[VhdFooter.Size];
        buffer.Clear();
        storage.ReadExactly(buffer[..footerLength], endOffset, "Footer");
        VhdFooter end = VhdFooter.Parse(buffer);
        if (footerLength == FooterLayout.LegacySize)
        {
            metadata.Warnings.Add("The file ends with a 511-byte footer (written by an old tool); read as a 512-byte one.");
        }

        if (end.HasValidCookie && end.ChecksumMatches)
        {
            end.Validate(endOffset);
            metadata.Footer = end;
            metadata.FooterOffset = endOffset;
            metadata.FooterSource = FooterSource.End;
            return;
        }

        // The end footer is damaged: dynamic and differencing disks keep a copy at offset 0 (spec: use it).
        VhdFooter copy = default;
        if (endOffset > 0)
        {
            storage.ReadExactly(buffer, 0, "Footer copy");
            copy = VhdFooter.Parse(buffer);
        }

        if (copy.HasValidCookie && copy.ChecksumMatches && copy.DiskType is VhdDiskType.Dynamic or VhdDiskType.Differencing)
        {
            copy.Validate(0);
            metadata.Footer = copy;
            metadata.FooterOffset = 0;
            metadata.FooterSource = FooterSource.CopyAtOffsetZero;
            string fault = end.HasValidCookie
                ? string.Create(CultureInfo.InvariantCulture, $"its checksum is 0x{end.Checksum:X8}, expected 0x{end.ComputedChecksum:X8}")
                : "its cookie is not \"conectix\"";
            metadata.Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The footer at the end of the file (offset 0x{endOffset:X}) is damaged ({fault}); using the copy at offset 0. `vhd repair` rewrites it."));
            return;
        }

        end.Validate(endOffset);
    }

    private static DynamicHeader ReadHeader(IPositionalStorage storage, long length, Metadata metadata)
    {
        ulong offset = metadata.Footer.HeaderOffset!.Value;
        if (offset < VhdFooter.Size || offset > (ulong)(length - DynamicHeader.Size))
        {
            throw FormatErrors.Field("Footer", "DataOffset", metadata.FooterOffset + FooterLayout.DataOffset,
                string.Create(CultureInfo.InvariantCulture, $"the offset of a 1024-byte header inside the {length}-byte file"),
                FormatErrors.Hex(offset));
        }

        Span<byte> buffer = stackalloc byte[DynamicHeader.Size];
        storage.ReadExactly(buffer, (long)offset, "Dynamic header");
        DynamicHeader header = DynamicHeader.Parse(buffer);
        header.Validate((long)offset);
        return header;
    }

    private static BlockAllocationTable ReadBat(IPositionalStorage storage, long length, DynamicHeader header, Metadata metadata)
    {
        const string Structure = "Dynamic header";
        long headerOffset = (long)metadata.Footer.HeaderOffset!.Value;
        long needed = (metadata.Capacity + header.BlockSize - 1) / header.BlockSize;
        if (header.MaxTableEntries < needed)
        {
            throw FormatErrors.Field(Structure, "MaxTableEntries", headerOffset + DynamicHeaderLayout.MaxTableEntries,
                string.Create(CultureInfo.InvariantCulture, $"{needed} (a {metadata.Capacity}-byte disk in {header.BlockSize}-byte blocks)"),
                header.MaxTableEntries.ToString(CultureInfo.InvariantCulture));
        }

        if (needed > MaxBatEntries)
        {
            throw FormatErrors.Field(Structure, "MaxTableEntries", headerOffset + DynamicHeaderLayout.MaxTableEntries,
                string.Create(CultureInfo.InvariantCulture, $"at most {MaxBatEntries} entries (VhdKit's bound on the table it reads)"),
                needed.ToString(CultureInfo.InvariantCulture));
        }

        long tableBytes = (long)header.MaxTableEntries * 4;
        if (header.TableOffset < VhdFooter.Size || header.TableOffset > (ulong)length || (ulong)tableBytes > (ulong)length - header.TableOffset)
        {
            throw FormatErrors.Field(Structure, "TableOffset", headerOffset + DynamicHeaderLayout.TableOffset,
                string.Create(CultureInfo.InvariantCulture, $"a {tableBytes}-byte table ({header.MaxTableEntries} entries) inside the {length}-byte file"),
                FormatErrors.Hex(header.TableOffset));
        }

        if (header.MaxTableEntries > needed)
        {
            // blktap sizes the table for a later resize: tolerated, and only the entries that address the disk are read.
            metadata.Warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"The BAT has {header.MaxTableEntries} entries; the disk needs {needed}. The extra entries are ignored."));
        }

        var bytes = new byte[needed * 4];
        storage.ReadExactly(bytes, (long)header.TableOffset, "Block allocation table");
        var bat = BlockAllocationTable.Parse(bytes, (int)needed);
        ValidateBatEntries(bat, header, length, MetadataRegions(metadata, header));
        return bat;
    }

    /// <summary>
    /// Every allocated block must lie inside the file, clear of the metadata (footer copy, header, BAT, locator
    /// data) and of every other block: a block that overlaps anything would return wrong data silently.
    /// </summary>
    private static void ValidateBatEntries(BlockAllocationTable bat, DynamicHeader header, long length, List<(string Name, long Start, long End)> metadata)
    {
        long blockBytes = BlockBytes(header);
        var starts = new List<(long Start, int Block)>();
        for (int block = 0; block < bat.Count; block++)
        {
            uint sector = bat[block];
            if (sector == BlockAllocationTable.Unallocated)
            {
                continue;
            }

            long start = (long)sector * VhdConstants.SectorSize;
            long end = start + blockBytes;
            if (end > length)
            {
                throw BatEntryError(header, block, $"a block ({blockBytes} bytes with its bitmap) inside the {length}-byte file", start);
            }

            foreach ((string name, long regionStart, long regionEnd) in metadata)
            {
                if (start < regionEnd && regionStart < end)
                {
                    throw BatEntryError(header, block, $"a block clear of the {name} (0x{regionStart:X}..0x{regionEnd:X})", start);
                }
            }

            starts.Add((start, block));
        }

        starts.Sort();
        for (int i = 1; i < starts.Count; i++)
        {
            if (starts[i].Start < starts[i - 1].Start + blockBytes)
            {
                throw BatEntryError(header, starts[i].Block, $"a block of its own (block {starts[i - 1].Block} is at 0x{starts[i - 1].Start:X})", starts[i].Start);
            }
        }
    }

    private static VhdFormatException BatEntryError(DynamicHeader header, int block, string expected, long start) =>
        FormatErrors.Field("Block allocation table", string.Create(CultureInfo.InvariantCulture, $"entry {block}"),
            (long)header.TableOffset + (block * 4L), expected,
            string.Create(CultureInfo.InvariantCulture, $"sector {start / VhdConstants.SectorSize} (offset 0x{start:X})"));

    private static long BlockBytes(DynamicHeader header) =>
        SectorBitmap.SizeInBytes((int)(header.BlockSize / VhdConstants.SectorSize)) + (long)header.BlockSize;

    /// <summary>The regions of the file that hold metadata, not blocks.</summary>
    private static List<(string Name, long Start, long End)> MetadataRegions(Metadata metadata, DynamicHeader header)
    {
        long headerOffset = (long)metadata.Footer.HeaderOffset!.Value;
        var regions = new List<(string, long, long)>
        {
            ("footer copy", 0, VhdFooter.Size),
            ("dynamic header", headerOffset, headerOffset + DynamicHeader.Size),
            ("block allocation table", (long)header.TableOffset, (long)header.TableOffset + BlockAllocationTable.SizeInBytes(header.MaxTableEntries)),
        };
        foreach (ParentLocatorEntry entry in header.ParentLocators)
        {
            if (entry.IsUsed && metadata.Footer.DiskType == VhdDiskType.Differencing)
            {
                long size = Math.Max(entry.DataSpaceInBytes, entry.PlatformDataLength);
                regions.Add(("parent locator data", (long)entry.PlatformDataOffset, (long)entry.PlatformDataOffset + size));
            }
        }

        return regions;
    }

    /// <summary>Where the metadata (footer copy, header, BAT, locator data) ends, sector-aligned.</summary>
    private static long MetadataEndOf(Metadata metadata)
    {
        long end = 0;
        foreach ((_, _, long regionEnd) in MetadataRegions(metadata, metadata.Header!.Value))
        {
            end = Math.Max(end, regionEnd);
        }

        return BlockAllocationTable.AlignUp(end, VhdConstants.SectorSize);
    }

    /// <summary>Where the structures and blocks of the file end: new blocks go after this.</summary>
    private static long DataEnd(Metadata metadata, long metadataEnd)
    {
        DynamicHeader header = metadata.Header!.Value;
        long end = metadataEnd;
        long blockBytes = BlockBytes(header);
        for (int block = 0; block < metadata.Bat!.Count; block++)
        {
            if (metadata.Bat.IsAllocated(block))
            {
                end = Math.Max(end, ((long)metadata.Bat[block] * VhdConstants.SectorSize) + blockBytes);
            }
        }

        return BlockAllocationTable.AlignUp(end, VhdConstants.SectorSize);
    }

    private static ImmutableArray<ParentLocator> ReadLocators(IPositionalStorage storage, long length, DynamicHeader header, Metadata metadata)
    {
        long headerOffset = (long)metadata.Footer.HeaderOffset!.Value;
        var locators = ImmutableArray.CreateBuilder<ParentLocator>();
        for (int i = 0; i < header.ParentLocators.Length; i++)
        {
            ParentLocatorEntry entry = header.ParentLocators[i];
            if (!entry.IsUsed)
            {
                continue;
            }

            string structure = string.Create(CultureInfo.InvariantCulture, $"Parent locator entry {i}");
            long entryOffset = headerOffset + DynamicHeaderLayout.ParentLocators + (i * ParentLocatorEntry.Size);
            if (entry.PlatformDataLength > MaxLocatorDataLength)
            {
                throw FormatErrors.Field(structure, "PlatformDataLength", entryOffset + ParentLocatorEntry.PlatformDataLengthOffset,
                    string.Create(CultureInfo.InvariantCulture, $"at most {MaxLocatorDataLength} bytes"),
                    entry.PlatformDataLength.ToString(CultureInfo.InvariantCulture));
            }

            if (entry.PlatformDataOffset > (ulong)length || entry.PlatformDataLength > (ulong)length - entry.PlatformDataOffset)
            {
                throw FormatErrors.Field(structure, "PlatformDataOffset", entryOffset + ParentLocatorEntry.PlatformDataOffsetOffset,
                    string.Create(CultureInfo.InvariantCulture, $"{entry.PlatformDataLength} bytes of locator data inside the {length}-byte file"),
                    FormatErrors.Hex(entry.PlatformDataOffset));
            }

            byte[] data = ReadLocatorData(storage, entry, structure + " data");
            locators.Add(new ParentLocator(i, entry, LocatorText.Decode(entry.Platform, data)));
        }

        return locators.ToImmutable();
    }
}
