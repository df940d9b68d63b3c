namespace VhdKit.Formats;

/// <summary>Where each format's magic value lies, and what it is (as the formats' specifications give them).</summary>
internal static class ImageFormatSignatures
{
    /// <summary>The VHD footer's cookie: at the file's end (last 512 bytes, or 511 in old files), and at 0 in a dynamic disk's copy.</summary>
    public static ReadOnlySpan<byte> VhdCookie => "conectix"u8;

    /// <summary>The VHDX file type identifier at offset 0 (MS-VHDX 2.2.1).</summary>
    public static ReadOnlySpan<byte> VhdxSignature => "vhdxfile"u8;

    /// <summary>The qcow2 (and qcow1) header magic at offset 0: <c>QFI\xfb</c>.</summary>
    public static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xfb];

    /// <summary>The VMDK sparse extent header magic at offset 0 (0x564d444b stored little-endian).</summary>
    public static ReadOnlySpan<byte> VmdkSparseMagic => "KDMV"u8;

    /// <summary>The first line of a VMDK text descriptor file.</summary>
    public static ReadOnlySpan<byte> VmdkDescriptor => "# Disk DescriptorFile"u8;

    /// <summary>Where the VDI header's signature lies.</summary>
    public const int VdiSignatureOffset = 0x40;

    /// <summary>The VDI header signature, 0xbeda107f stored little-endian.</summary>
    public const uint VdiSignature = 0xbeda107f;

    /// <summary>How many bytes at the start of a file the probe reads (every signature at the start lies within).</summary>
    public const int HeadLength = 512;

    /// <summary>The VHD footer's size, and the older files' 511 bytes.</summary>
    public const int VhdFooterLength = 512;
}
