namespace VhdKit.Formats;

/// <summary>
/// The disk image formats VhdKit tells apart by content (<see cref="ImageFormatProbe.Detect(string)"/>). VhdKit reads
/// and writes <see cref="Raw"/> and <see cref="Vhd"/>; the others are recognised so that a wrong file gets a plain
/// message naming what it is, but are not read (yet).
/// </summary>
public enum ImageFormat
{
    /// <summary>A raw image: the disk's bytes, nothing else (anything no other format claims).</summary>
    Raw,

    /// <summary>A VHD (qemu-img's <c>vpc</c>): fixed, dynamic or differencing.</summary>
    Vhd,

    /// <summary>A VHDX (Hyper-V's newer format). Recognised, not read.</summary>
    Vhdx,

    /// <summary>A qcow2 image (qemu). Recognised, not read.</summary>
    Qcow2,

    /// <summary>A VMDK image (VMware), sparse extent or text descriptor. Recognised, not read.</summary>
    Vmdk,

    /// <summary>A VDI image (VirtualBox). Recognised, not read.</summary>
    Vdi,
}
