using System.Buffers;
using VhdKit.Format;
using VhdKit.Storage;

namespace VhdKit.Images;

/// <summary>The metadata of a new image, written in VhdKit's layout.</summary>
internal sealed partial class MetadataEditor
{
    /// <summary>
    /// Writes the metadata of a new dynamic or differencing image into an empty file (creation, and the rewritten
    /// file of a compact), in VhdKit's layout (<see cref="NewImageLayout"/>): the footer copy at 0, the header at
    /// 512, the BAT (every entry unallocated) at 1536, each locator text, then the footer; in one write. The
    /// footer's data offset and the header's table offset, entry count and locator entries are set from the layout.
    /// </summary>
    /// <exception cref="IOException">Writing failed.</exception>
    public static void WriteNewImage(IPositionalStorage storage, VhdFooter footer, DynamicHeader header,
        IReadOnlyList<(ParentLocatorPlatform Platform, byte[] Data)> locators)
    {
        var layout = new NewImageLayout((long)footer.CurrentSize, (int)header.BlockSize, locators);
        footer = footer with { DataOffset = (ulong)NewImageLayout.HeaderOffset };
        header = header with
        {
            DataOffset = VhdConstants.NoDataOffset,
            TableOffset = (ulong)NewImageLayout.TableOffset,
            MaxTableEntries = layout.MaxTableEntries,
            ParentLocators = layout.Locators,
        };

        // All metadata is assembled in one buffer and written at once: at most a few MiB (the BAT of 2040 GiB).
        int total = checked((int)(layout.FooterOffset + VhdFooter.Size));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            Span<byte> file = buffer.AsSpan(0, total);
            file.Clear();
            footer.WriteTo(file);
            header.WriteTo(file[(int)NewImageLayout.HeaderOffset..]);
            file.Slice((int)NewImageLayout.TableOffset, (int)layout.TableSize).Fill(0xFF);
            for (int i = 0; i < layout.Locators.Length; i++)
            {
                locators[i].Data.CopyTo(file[(int)layout.Locators[i].PlatformDataOffset..]);
            }

            footer.WriteTo(file[(int)layout.FooterOffset..]);
            storage.Write(file, 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
