using System.Buffers.Binary;
using VhdKit.Storage;

namespace VhdKit.Formats;

/// <summary>
/// Tells a file's image format by its content, never by its name (qemu-img's probing, with VHD checked first): a VHD
/// footer cookie at the end; else the VHDX, qcow2, VMDK or VDI signature at the start; else a VHD whose end footer
/// was lost (the copy at offset 0); else <see cref="ImageFormat.Raw"/>.
/// </summary>
/// <remarks>
/// The end footer comes first because a fixed VHD begins with its guest's bytes, which may be anything (even
/// another image). A raw file whose content happens to start with a signature is taken for that format, as
/// qemu-img does; name the format explicitly to read it as raw.
/// </remarks>
public static class ImageFormatProbe
{
    /// <summary>
    /// Whether <paramref name="location"/> (a file or a URL) holds a VHDX: false for a file that does not exist, and for
    /// a file locked by a writer (left to the VHD path, which says it is in use).
    /// </summary>
    internal static bool HoldsVhdx(string location)
    {
        try
        {
            return (StorageLocations.IsUrl(location) || File.Exists(location)) && Detect(location) == ImageFormat.Vhdx;
        }
        catch (IOException e) when (Images.ImageInUseException.IsSharingViolation(e))
        {
            return false;
        }
    }

    /// <summary>The format of the file at <paramref name="path"/>.</summary>
    /// <param name="path">The file, or a URL (<see cref="StorageLocations"/>).</param>
    /// <returns>The format its content shows; <see cref="ImageFormat.Raw"/> when no signature matches (an empty file too).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="Format.VhdFormatException">The path names no regular file (a folder, a FIFO).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="NotSupportedException"><paramref name="path"/> is a URL whose scheme has no opener registered (<see cref="StorageLocations"/>).</exception>
    public static ImageFormat Detect(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path) && new FileInfo(path).Length == 0)
        {
            return ImageFormat.Raw;
        }

        using IPositionalStorage storage = StorageLocations.OpenRead(path);
        return Detect(storage);
    }

    /// <summary>The format of the content of <paramref name="storage"/>.</summary>
    /// <exception cref="IOException">The storage cannot be read.</exception>
    internal static ImageFormat Detect(IPositionalStorage storage)
    {
        long length = storage.Length;
        Span<byte> tail = stackalloc byte[ImageFormatSignatures.VhdFooterLength];
        if (length >= tail.Length)
        {
            int read = Fill(storage, tail, length - tail.Length);
            if (tail[..read].StartsWith(ImageFormatSignatures.VhdCookie) || tail[1..read].StartsWith(ImageFormatSignatures.VhdCookie))
            {
                return ImageFormat.Vhd;
            }
        }

        Span<byte> head = stackalloc byte[ImageFormatSignatures.HeadLength];
        head = head[..Fill(storage, head, 0)];
        return FromHead(head);
    }

    private static ImageFormat FromHead(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(ImageFormatSignatures.VhdxSignature))
        {
            return ImageFormat.Vhdx;
        }

        if (head.StartsWith(ImageFormatSignatures.Qcow2Magic))
        {
            return ImageFormat.Qcow2;
        }

        if (head.StartsWith(ImageFormatSignatures.VmdkSparseMagic) || head.StartsWith(ImageFormatSignatures.VmdkDescriptor))
        {
            return ImageFormat.Vmdk;
        }

        if (head.Length >= ImageFormatSignatures.VdiSignatureOffset + sizeof(uint)
            && BinaryPrimitives.ReadUInt32LittleEndian(head[ImageFormatSignatures.VdiSignatureOffset..]) == ImageFormatSignatures.VdiSignature)
        {
            return ImageFormat.Vdi;
        }

        return head.StartsWith(ImageFormatSignatures.VhdCookie) ? ImageFormat.Vhd : ImageFormat.Raw;
    }

    /// <summary>Reads as much of <paramref name="buffer"/> as the storage holds at <paramref name="offset"/>.</summary>
    private static int Fill(IPositionalStorage storage, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = storage.Read(buffer[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
