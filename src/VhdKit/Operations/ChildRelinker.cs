using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Reconnects a differencing disk to a parent (<see cref="Reparenter"/>, and IVMHardDisk.Parent's setter): new parent locators
/// (W2ru relative to the child's folder, and the absolute one), the parent's modification time and file name in
/// the dynamic header; the footer and its copy at offset 0 are rewritten unchanged.
/// </summary>
/// <remarks>
/// Crash-safe by a whole-file rewrite: the child is copied to a temporary file in its folder, the copy is
/// patched and flushed, then renamed over the child. A crash leaves either the old child or the new one (and at
/// worst a stray temporary file), never a header torn across its two sectors. The cost is a copy of the child
/// (a reflink or in-kernel copy where the file system offers one). A locator text reuses the sectors of the old
/// entry's text at the same position when it fits; otherwise it goes at the end of the file, before the footer.
/// </remarks>
internal static class ChildRelinker
{
    public static void Relink(string childPath, string parentPath, Guid parentId) =>
        Relink(childPath, parentPath, parentId, static storage => storage);

    /// <summary>As the other overload; <paramref name="wrapTemporary"/> wraps the temporary copy's storage (tests record its writes and flushes).</summary>
    public static void Relink(string childPath, string parentPath, Guid parentId, Func<IPositionalStorage, IPositionalStorage> wrapTemporary)
    {
        string temporary = NewFile.TemporaryName(childPath);
        try
        {
            File.Copy(childPath, temporary);
            using (FileStorage file = FileStorage.Open(temporary, FileAccess.ReadWrite, FileShare.None))
            {
                IPositionalStorage storage = wrapTemporary(file);
                using VhdImage child = VhdImage.Open(storage, leaveOpen: true);
                Rewrite(storage, child, childPath, parentPath, parentId);
                storage.Flush();
            }

            File.Move(temporary, childPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void Rewrite(IPositionalStorage storage, VhdImage child, string childPath, string parentPath, Guid parentId)
    {
        DynamicHeader header = child.Header!.Value;
        long end = child.FooterSource == FooterSource.End
            ? child.FooterOffset
            : BlockAllocationTable.AlignUp(storage.Length, VhdConstants.SectorSize);

        // Clear the old locator texts, then place each new text: over the old text at its position if it fits in the
        // sectors that text certainly owns (its space as recorded may be wrong in files from other tools), else at the end.
        foreach (ParentLocator old in child.Locators)
        {
            storage.Write(new byte[old.Entry.PlatformDataLength], (long)old.Entry.PlatformDataOffset);
        }

        var entries = ImmutableArray.CreateBuilder<ParentLocatorEntry>(DynamicHeader.LocatorCount);
        foreach ((ParentLocatorPlatform platform, string text) in ParentLocatorPaths.For(childPath, parentPath))
        {
            byte[] data = LocatorText.Encode(platform, text);
            ParentLocatorEntry slot = header.ParentLocators[entries.Count];
            long owned = Math.Min(slot.DataSpaceInBytes, BlockAllocationTable.AlignUp(slot.PlatformDataLength, VhdConstants.SectorSize));
            long offset;
            uint space;
            if (slot.IsUsed && owned >= data.Length)
            {
                (offset, space) = ((long)slot.PlatformDataOffset, slot.PlatformDataSpace);
            }
            else
            {
                long size = Math.Max(NewImageLayout.MinimumLocatorSpace, BlockAllocationTable.AlignUp(data.Length, VhdConstants.SectorSize));
                (offset, space) = (end, checked((uint)size));
                end += size;
            }

            storage.Write(data, offset);
            entries.Add(new ParentLocatorEntry
            {
                Platform = platform,
                PlatformDataSpace = space,
                PlatformDataLength = checked((uint)data.Length),
                PlatformDataOffset = (ulong)offset,
            });
        }

        while (entries.Count < DynamicHeader.LocatorCount)
        {
            entries.Add(default);
        }

        DynamicHeader relinked = header with
        {
            ParentUniqueId = parentId,
            ParentTimestamp = VhdTimestamp.FromDateTime(File.GetLastWriteTimeUtc(parentPath)),
            ParentName = Path.GetFileName(parentPath),
            ParentLocators = entries.MoveToImmutable(),
        };
        Span<byte> buffer = stackalloc byte[DynamicHeader.Size];
        relinked.WriteTo(buffer);
        storage.Write(buffer, (long)child.Footer.HeaderOffset!.Value);

        Span<byte> footer = buffer[..VhdFooter.Size];
        child.Footer.WriteTo(footer);
        storage.Write(footer, 0);
        storage.Write(footer, end);
        storage.SetLength(end + VhdFooter.Size);
    }
}
