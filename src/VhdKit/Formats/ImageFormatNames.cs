using System.Collections.Immutable;

namespace VhdKit.Formats;

/// <summary>
/// Format names as users type them: VhdKit's (<c>vhd</c>, <c>raw</c>, ...) and qemu-img's (<c>vpc</c> for VHD), in any case.
/// </summary>
public static class ImageFormatNames
{
    /// <summary>Every accepted name and the format it means, in the order messages list them.</summary>
    public static ImmutableArray<KeyValuePair<string, ImageFormat>> All { get; } =
    [
        new("raw", ImageFormat.Raw),
        new("vhd", ImageFormat.Vhd),
        new("vpc", ImageFormat.Vhd),
        new("vhdx", ImageFormat.Vhdx),
        new("qcow2", ImageFormat.Qcow2),
        new("vmdk", ImageFormat.Vmdk),
        new("vdi", ImageFormat.Vdi),
    ];

    /// <summary>The format named <paramref name="name"/> (case-insensitive; <c>vpc</c> is qemu-img's name for VHD).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">No format has that name; the message lists the names.</exception>
    public static ImageFormat Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryParse(name, out ImageFormat format))
        {
            return format;
        }

        throw new ArgumentException($"Unknown image format '{name}': expected one of {string.Join(", ", All.Select(n => n.Key))} (vpc is VHD, as qemu-img names it).", nameof(name));
    }

    /// <summary>Whether <paramref name="name"/> names a format (see <see cref="Parse"/>).</summary>
    public static bool TryParse(string? name, out ImageFormat format)
    {
        foreach ((string known, ImageFormat value) in All)
        {
            if (string.Equals(known, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                format = value;
                return true;
            }
        }

        format = ImageFormat.Raw;
        return false;
    }

    /// <summary>The name VhdKit prints for <paramref name="format"/> (lower case; <c>vhd</c>, not <c>vpc</c>).</summary>
    public static string NameOf(ImageFormat format) => format switch
    {
        ImageFormat.Raw => "raw",
        ImageFormat.Vhd => "vhd",
        ImageFormat.Vhdx => "vhdx",
        ImageFormat.Qcow2 => "qcow2",
        ImageFormat.Vmdk => "vmdk",
        ImageFormat.Vdi => "vdi",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not an ImageFormat value."),
    };

    /// <summary>How messages name <paramref name="format"/>: "a VHDX image", "a qcow2 image", ...</summary>
    internal static string Describe(ImageFormat format) => format switch
    {
        ImageFormat.Raw => "a raw image",
        ImageFormat.Vhd => "a VHD image",
        ImageFormat.Vhdx => "a VHDX image",
        ImageFormat.Qcow2 => "a qcow2 image",
        ImageFormat.Vmdk => "a VMDK image",
        ImageFormat.Vdi => "a VDI image",
        _ => format.ToString(),
    };
}
