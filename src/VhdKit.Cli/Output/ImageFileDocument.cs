using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary>A file a verb created, changed or compared, in qemu-img's terms.</summary>
/// <param name="Filename">Its absolute path.</param>
/// <param name="Format"><c>vpc</c> (VHD), <c>vhdx</c> or <c>raw</c>.</param>
/// <param name="Subformat">fixed, dynamic or differencing; <see langword="null"/> for a raw file.</param>
/// <param name="VirtualSize">The disk's size in bytes (a raw file's length).</param>
/// <param name="FileLength">The file's length in bytes.</param>
internal sealed record ImageFileDocument(string Filename, FormatName Format, VhdDiskType? Subformat, long VirtualSize, long FileLength)
{
    /// <summary>The summary of an open VHD.</summary>
    public static ImageFileDocument From(VhdImage image) =>
        new(StorageLocations.Display(image.Path), FormatName.Vpc, image.DiskType, image.Capacity, image.FileLength);

    /// <summary>The summary of an open disk's leaf, VHD or VHDX.</summary>
    public static ImageFileDocument From(Chain.VirtualDisk disk) => disk.VhdxChain is { Leaf: var leaf }
        ? new(StorageLocations.Display(leaf.Path), FormatName.Vhdx, leaf.DiskType, leaf.Capacity, leaf.FileLength)
        : From(disk.Layers[0]);

    /// <summary>The summary of the VHD or VHDX at <paramref name="path"/>, opened read-only and closed again.</summary>
    /// <exception cref="VhdFormatException">The file is not a valid VHD.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImageFileDocument Read(string path)
    {
        if (Formats.ImageFormatProbe.Detect(path) == Formats.ImageFormat.Vhdx)
        {
            using var vhdx = Images.Vhdx.VhdxImage.Open(path);
            return new ImageFileDocument(StorageLocations.Display(vhdx.Path), FormatName.Vhdx, vhdx.DiskType, vhdx.Capacity, vhdx.FileLength);
        }

        using VhdImage image = VhdImage.Open(path);
        return From(image);
    }

    /// <summary>The summary of a raw file: its length is the disk's size.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImageFileDocument Raw(string path)
    {
        long length = StorageLocations.IsUrl(path) ? RemoteLength(path) : new FileInfo(path).Length;
        return new ImageFileDocument(StorageLocations.Display(path), FormatName.Raw, null, length, length);
    }

    private static long RemoteLength(string url)
    {
        using IPositionalStorage storage = StorageLocations.OpenRead(url);
        return storage.Length;
    }
}
