using System.Collections.Immutable;
using System.Text;
using VhdKit.Format;

namespace VhdKit.Tests.Support;

/// <summary>
/// Assembles a differencing image with a layout unlike ours, as Windows writes them: the W2ku locator data
/// before the BAT with 4 KiB reserved, the W2ru data after it with 64 KiB reserved, UTF-16LE paths.
/// </summary>
public static class LayoutBuilder
{
    public static void WindowsStyleChild(string path, long size, Guid parentId, uint parentTimestamp, string parentName,
        string relative, string absolute, bool dataSpaceInSectors = false)
    {
        const int BlockSize = 2 * 1024 * 1024;
        uint entries = (uint)((size + BlockSize - 1) / BlockSize);
        byte[] w2ku = Encoding.Unicode.GetBytes(absolute);
        byte[] w2ru = Encoding.Unicode.GetBytes(relative);
        long w2kuOffset = 1536;
        long batOffset = w2kuOffset + 4096;
        long batSize = BlockAllocationTable.SizeInBytes(entries);
        long w2ruOffset = batOffset + batSize;
        long footerOffset = w2ruOffset + 65536;
        var file = new byte[footerOffset + 512];
        var footer = new VhdFooter
        {
            Features = FooterFeatures.Reserved,
            FormatVersion = 0x10000,
            DataOffset = 512,
            Timestamp = 0x2000_0000,
            CreatorApplication = FourCharacterCode.FromString("win "),
            CreatorVersion = 0x0006_0001,
            CreatorHostOs = FourCharacterCode.FromString("Wi2k"),
            OriginalSize = (ulong)size,
            CurrentSize = (ulong)size,
            Geometry = DiskGeometry.FromCapacity(size),
            DiskType = VhdDiskType.Differencing,
            UniqueId = Guid.NewGuid(),
        };
        var header = new DynamicHeader
        {
            DataOffset = ulong.MaxValue,
            TableOffset = (ulong)batOffset,
            HeaderVersion = 0x10000,
            MaxTableEntries = entries,
            BlockSize = BlockSize,
            ParentUniqueId = parentId,
            ParentTimestamp = parentTimestamp,
            ParentName = parentName,
            ParentLocators = ImmutableArray.Create(
                new ParentLocatorEntry
                {
                    Platform = ParentLocatorPlatform.W2ku,
                    PlatformDataSpace = dataSpaceInSectors ? 4096u / 512 : 4096u,
                    PlatformDataLength = (uint)w2ku.Length,
                    PlatformDataOffset = (ulong)w2kuOffset,
                },
                new ParentLocatorEntry
                {
                    Platform = ParentLocatorPlatform.W2ru,
                    PlatformDataSpace = 65536,
                    PlatformDataLength = (uint)w2ru.Length,
                    PlatformDataOffset = (ulong)w2ruOffset,
                }),
        };
        footer.WriteTo(file);
        header.WriteTo(file.AsSpan(512));
        w2ku.CopyTo(file, w2kuOffset);
        file.AsSpan((int)batOffset, (int)batSize).Fill(0xFF);
        w2ru.CopyTo(file, w2ruOffset);
        footer.WriteTo(file.AsSpan((int)footerOffset));
        File.WriteAllBytes(path, file);
    }
}
