using System.Collections.Immutable;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>
/// Reconnects a differencing disk to a parent (<see cref="RebaseOperation"/>, and IVMHardDisk.Parent's setter): new parent
/// locators (W2ru relative to the child's folder, and the absolute one), the parent's id, modification time and
/// file name in the dynamic header. The content and the footer's fields are not touched.
/// </summary>
/// <remarks>
/// In place, like <c>qemu-img rebase -u</c> and Set-VHD, under the writer lock (the child is opened writable and
/// exclusively, so a concurrent writer is refused, or refuses the relink; none is ever undone), through
/// <see cref="MetadataEditor"/>: a locator whose text is unchanged keeps its place; a new text goes past the end of
/// the file. When only the header's first sector changes (id, timestamp, a short name: a re-stamp of a parent that
/// did not move), it is rewritten alone, one sector. Otherwise the new header is written past the end with the new
/// texts, flushed, and the footers' data offset switches to it (end footer, then the copy at offset 0): a crash
/// leaves the old links or the new ones. The old header and texts stay in the file, unused (about 3 KiB per relink).
/// </remarks>
internal static class ChildRelinker
{
    /// <summary>Relinks <paramref name="child"/> (open for writing) at <paramref name="childPath"/> to the parent at <paramref name="parentPath"/>.</summary>
    /// <exception cref="IOException">Writing failed; the child holds the old links (or the new ones with a footer copy to rewrite).</exception>
    public static void Relink(VhdImage child, string childPath, string parentPath, Guid parentId)
    {
        DynamicHeader header = child.Header!.Value;
        var editor = new MetadataEditor(child);
        var entries = ImmutableArray.CreateBuilder<ParentLocatorEntry>(DynamicHeader.LocatorCount);
        foreach ((ParentLocatorPlatform platform, string text) in ParentLocatorPaths.For(childPath, parentPath))
        {
            byte[] data = LocatorText.Encode(platform, text);
            ParentLocatorEntry slot = header.ParentLocators[entries.Count];
            if (slot.Platform == platform && HoldsText(child, slot, data))
            {
                entries.Add(slot);
                continue;
            }

            long space = Math.Max(NewImageLayout.MinimumLocatorSpace, BlockAllocationTable.AlignUp(data.Length, VhdConstants.SectorSize));
            long offset = editor.Reserve(space);
            editor.Stage(offset, data);
            entries.Add(new ParentLocatorEntry
            {
                Platform = platform,
                PlatformDataSpace = checked((uint)space),
                PlatformDataLength = checked((uint)data.Length),
                PlatformDataOffset = (ulong)offset,
            });
        }

        while (entries.Count < DynamicHeader.LocatorCount)
        {
            entries.Add(default);
        }

        editor.SetHeader(header with
        {
            ParentUniqueId = parentId,
            ParentTimestamp = VhdTimestamp.FromDateTime(File.GetLastWriteTimeUtc(parentPath)),
            ParentName = Path.GetFileName(parentPath),
            ParentLocators = entries.MoveToImmutable(),
        });
    }

    /// <summary>Whether the locator's text in the file is exactly <paramref name="data"/>.</summary>
    private static bool HoldsText(VhdImage child, ParentLocatorEntry entry, byte[] data)
    {
        if (entry.PlatformDataLength != data.Length)
        {
            return false;
        }

        byte[] current = VhdImage.ReadLocatorData(child.Storage, entry, "Parent locator data");
        return current.AsSpan().SequenceEqual(data);
    }
}
