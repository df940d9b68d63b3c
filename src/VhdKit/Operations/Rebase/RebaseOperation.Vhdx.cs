using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The VHDX half of RebaseOperation: a new parent locator item (and its metadata table entry) written through the editor's log.
public static partial class RebaseOperation
{
    /// <summary>
    /// Rebases or re-stamps the differencing VHDX in <paramref name="storage"/> (the file <paramref name="child"/>, held
    /// exclusively): its parent locator becomes <c>parent_linkage</c> = the parent's DataWriteGuid, <c>relative_path</c>
    /// (and <c>absolute_win32_path</c> on Windows); keys VhdKit does not know are kept, a stale <c>parent_linkage2</c> and
    /// <c>volume_path</c> dropped. The item and its table entry are written in one log entry (a crash leaves the old
    /// locator or the new one); the child's DataWriteGuid is kept (its own children still link to it).
    /// </summary>
    internal static RebaseResult RebaseVhdx(IPositionalStorage storage, string child, string? parent, bool ignoreIdMismatch,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var warnings = ImmutableArray.CreateBuilder<string>();
        IReadOnlyList<LogWrite> writes;
        string parentPath;
        Guid found;
        using (VhdxImage image = VhdxImage.Open(storage))
        {
            if (image.DiskType != VhdDiskType.Differencing)
            {
                throw new WrongImageTypeException(child, image.DiskType, "setting a parent");
            }

            VhdxParentLocator locator = image.Metadata.ParentLocator!.Value;
            Guid? expected = Linkage(locator, VhdxParentLocator.ParentLinkage);
            Guid? second = Linkage(locator, VhdxParentLocator.ParentLinkage2);
            parentPath = parent is null ? RestampTarget(image) : Path.GetFullPath(parent);
            found = CheckParent(image, parentPath);
            if (found != expected && found != second)
            {
                string was = expected?.ToString("B") ?? "(none)";
                if (parent is not null && !ignoreIdMismatch)
                {
                    throw new ParentResolutionException(
                        $"{parentPath} has DataWriteGuid {found:B}; {child} links to a parent with DataWriteGuid {was} (parent_linkage). If it really holds the content the child was made on, accept it with --ignore-id-mismatch.",
                        child, ParentResolutionFailure.IdMismatch, [], expected ?? Guid.Empty, found);
                }

                warnings.Add($"{child} linked to DataWriteGuid {was}; it now links to {found:B} ({parentPath}). Its content is right only if the parent's changes since are meant to show through the child.");
            }

            writes = LocatorWrites(image, child, parentPath, found, locator);
        }

        progress?.Report(new OperationProgress(0, 1));

        // The one safe point: every check is done and nothing is written yet.
        cancellationToken.ThrowIfCancellationRequested();
        VhdxEditor editor = VhdxEditor.Open(storage);
        editor.WriteMetadata(writes);
        editor.Close();
        progress?.Report(new OperationProgress(1, 1));
        return new RebaseResult(child, parentPath, found, parent is null, warnings.ToImmutable());
    }

    /// <summary>The sectors to write: the new locator over the old one's place, and its table entry's new length.</summary>
    private static List<LogWrite> LocatorWrites(VhdxImage image, string child, string parentPath, Guid found, VhdxParentLocator old)
    {
        var pairs = VhdxLocatorPairs.For(child, parentPath, found).ToBuilder();
        foreach (KeyValuePair<string, string> pair in old.Entries)
        {
            if (pair.Key is not (VhdxParentLocator.ParentLinkage or VhdxParentLocator.ParentLinkage2 or VhdxParentLocator.RelativePath
                or VhdxParentLocator.AbsoluteWin32Path or VhdxParentLocator.VolumePath))
            {
                pairs.Add(pair);
            }
        }

        var locator = new VhdxParentLocator { LocatorType = VhdxGuids.VhdxParentLocatorType, Entries = pairs.ToImmutable() };
        VhdxRegionEntry region = image.RegionTable.Find(VhdxGuids.MetadataRegion)!.Value;
        VhdxMetadataTable table = image.Metadata.Table;
        int index = table.Entries.IndexOf(table.Find(VhdxGuids.ParentLocator)!.Value);
        VhdxMetadataEntry entry = table.Entries[index];
        long room = region.Length - entry.Offset;
        foreach (VhdxMetadataEntry other in table.Entries)
        {
            if (other.Length > 0 && other.Offset > entry.Offset)
            {
                room = Math.Min(room, other.Offset - entry.Offset);
            }
        }

        if (locator.Length > room)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The new parent locator of {child} takes {locator.Length} bytes; its place in the metadata region holds {room}. The parent's path is too long."));
        }

        // The item's bytes (the new locator, zeros over the rest of the old one) and the table with the entry's new length.
        long regionAt = (long)region.FileOffset;
        var sectors = new SortedDictionary<long, byte[]>();
        byte[] Sector(long at)
        {
            long start = at / VhdxLayout.LogSectorSize * VhdxLayout.LogSectorSize;
            if (!sectors.TryGetValue(start, out byte[]? bytes))
            {
                bytes = new byte[VhdxLayout.LogSectorSize];
                image.Storage.ReadExactly(bytes, start, "VHDX metadata");
                sectors[start] = bytes;
            }

            return bytes;
        }

        byte[] item = new byte[Math.Max(locator.Length, (int)entry.Length)];
        locator.WriteTo(item);
        long itemAt = regionAt + entry.Offset;
        for (int done = 0; done < item.Length; done++)
        {
            long at = itemAt + done;
            Sector(at)[at % VhdxLayout.LogSectorSize] = item[done];
        }

        byte[] tableBytes = new byte[VhdxMetadataTable.Size];
        image.Storage.ReadExactly(tableBytes, regionAt, "VHDX metadata table");
        long entryAt = VhdxMetadataTable.HeaderSize + ((long)index * VhdxMetadataEntry.Size);
        (entry with { Length = (uint)locator.Length }).WriteTo(tableBytes.AsSpan((int)entryAt, VhdxMetadataEntry.Size));
        byte[] entrySector = Sector(regionAt + entryAt);
        tableBytes.AsSpan((int)(entryAt / VhdxLayout.LogSectorSize * VhdxLayout.LogSectorSize), VhdxLayout.LogSectorSize).CopyTo(entrySector);

        var writes = new List<LogWrite>(sectors.Count);
        foreach ((long at, byte[] bytes) in sectors)
        {
            writes.Add(new LogWrite(at, bytes.Length, bytes));
        }

        return writes;
    }

    /// <summary>Checks that <paramref name="parentPath"/> is a VHDX whose chain opens, of the child's size and sector size; returns its DataWriteGuid.</summary>
    private static Guid CheckParent(VhdxImage child, string parentPath)
    {
        ImageFormat format = ImageFormatProbe.Detect(parentPath);
        if (format != ImageFormat.Vhdx)
        {
            throw new VhdxFormatException(
                $"{parentPath} is {ImageFormatNames.Describe(format)}: a VHDX differencing disk needs a VHDX parent (Hyper-V refuses a VHD parent under a VHDX child too).");
        }

        using VhdxChain chain = VhdxChain.Open(parentPath);
        VhdxImage parent = chain.Leaf;
        if (parent.Capacity != child.Capacity || parent.LogicalSectorSize != child.LogicalSectorSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{parentPath} is {parent.Capacity} bytes with {parent.LogicalSectorSize}-byte sectors but {child.Path} is {child.Capacity} bytes with {child.LogicalSectorSize}-byte sectors; a parent must match its child."));
        }

        return parent.DataWriteGuid;
    }

    /// <summary>The parent a re-stamp keeps: the one the locator finds, even when its DataWriteGuid changed since.</summary>
    private static string RestampTarget(VhdxImage child)
    {
        VhdxParentResolver.Result result = VhdxParentResolver.Resolve(child);
        using (result.Parent)
        {
            foreach (ParentCandidate attempt in result.Attempts)
            {
                if (attempt.Outcome is CandidateOutcome.Accepted or CandidateOutcome.IdMismatch && attempt.Path is not null)
                {
                    return Path.GetFullPath(attempt.Path);
                }
            }
        }

        string tried = result.Attempts.IsEmpty ? "no relative_path, absolute_win32_path or volume_path to try" : "tried " + string.Join("; ", result.Attempts);
        throw new ParentResolutionException($"Cannot find the VHDX parent of {child.Path} to re-stamp (parent_linkage {result.Expected}): {tried}. Give the parent's path.",
            child.Path, ParentResolutionFailure.NotFound, result.Attempts, result.Expected);
    }

    private static Guid? Linkage(VhdxParentLocator locator, string key) =>
        locator[key] is { } text && Guid.TryParse(text, out Guid id) ? id : null;
}
