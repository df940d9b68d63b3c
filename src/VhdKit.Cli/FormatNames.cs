using VhdKit.Formats;

namespace VhdKit.Cli;

/// <summary>
/// Format names on the command line, as qemu-img spells them: <c>raw</c>, <c>vpc</c> (VHD), and VhdKit's <c>vhd</c>;
/// <c>vhdx</c>, <c>qcow2</c>, <c>vmdk</c> and <c>vdi</c> are recognised and refused as not supported yet.
/// </summary>
internal static class FormatNames
{
    /// <summary>The format named by <paramref name="name"/> for <paramref name="option"/>, if VhdKit reads or writes it.</summary>
    /// <exception cref="ArgumentException">An unknown name, or a format VhdKit does not read or write yet.</exception>
    public static ImageFormat Parse(string name, string option, bool vhdx = false)
    {
        if (!ImageFormatNames.TryParse(name, out ImageFormat format))
        {
            throw new ArgumentException($"{option}: unknown format '{name}'; expected raw, vhd or vpc (qemu-img's name for VHD), or vhdx.");
        }

        if (format is not (ImageFormat.Raw or ImageFormat.Vhd) && !(vhdx && format == ImageFormat.Vhdx))
        {
            throw new ArgumentException(format == ImageFormat.Vhdx
                ? $"{option} {name}: vhdx is not supported yet here; VhdKit reads VHDX and creates it with vhd create (docs/vhdx.md says what works today)."
                : $"{option} {name}: {ImageFormatNames.NameOf(format)} is not supported yet; VhdKit reads and writes raw and vhd (vpc), and reads and creates vhdx.");
        }

        return format;
    }

    /// <summary>As <see cref="Parse"/>, and the format must be VHD (a parent, or what <c>create</c> makes).</summary>
    /// <exception cref="ArgumentException">Not a VHD format name.</exception>
    public static void RequireVhd(string? name, string option, string why)
    {
        if (name is not null && Parse(name, option) != ImageFormat.Vhd)
        {
            throw new ArgumentException($"{option} {name}: {why}");
        }
    }
}
