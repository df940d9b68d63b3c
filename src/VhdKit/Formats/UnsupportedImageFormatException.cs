using VhdKit.Format;

namespace VhdKit.Formats;

/// <summary>
/// A file opened as a VHD is an image of another format: one VhdKit recognises but does not read (qcow2, VMDK, VDI),
/// or a VHDX given to a VHD-only entry point (VhdImage, VhdChain). A <see cref="VhdFormatException"/>, so callers that handle "not a valid VHD" handle it too.
/// </summary>
public sealed class UnsupportedImageFormatException : VhdFormatException
{
    /// <summary>Creates the exception for <paramref name="path"/>, which holds a <paramref name="format"/> image.</summary>
    public UnsupportedImageFormatException(string path, ImageFormat format)
        : base(MessageFor(path, format))
    {
        Path = path;
        Format = format;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>What the file is.</summary>
    public ImageFormat Format { get; }

    private static string MessageFor(string path, ImageFormat format) => format == ImageFormat.Vhdx
        ? $"{path} is {ImageFormatNames.Describe(format)}, not a VHD; open it with VirtualDisk.Open or VhdxImage.Open (VhdKit reads, creates and writes VHDX: docs/vhdx.md)."
        : $"{path} is {ImageFormatNames.Describe(format)}; VhdKit reads VHD and raw images (convert it first, e.g. qemu-img convert -O vpc).";
}
