using VhdKit.Images;
using VhdKit.Operations;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd rebase --output=json</c>: the parent the child now names (its content is not touched).</summary>
/// <param name="Filename">The child, as an absolute path.</param>
/// <param name="Restamp">Whether only the parent's modification time was recorded again (<c>--restamp</c>).</param>
/// <param name="BackingFilename">The parent as the child now names it (its relative W2ru locator; a VHDX child's relative_path).</param>
/// <param name="FullBackingFilename">The parent's absolute path.</param>
internal sealed record RebaseDocument(string Filename, bool Restamp, string? BackingFilename, string FullBackingFilename) : VerbDocument("rebase")
{
    /// <summary>The document of <paramref name="rebased"/>; the child is opened again for the parent's name it now stores.</summary>
    /// <exception cref="IOException">The child cannot be read back.</exception>
    public static RebaseDocument From(RebaseResult rebased)
    {
        if (Formats.ImageFormatProbe.Detect(rebased.Child) == Formats.ImageFormat.Vhdx)
        {
            using Images.Vhdx.VhdxImage vhdx = Images.Vhdx.VhdxImage.Open(rebased.Child);
            return new RebaseDocument(Path.GetFullPath(rebased.Child), rebased.Restamped,
                vhdx.Metadata.ParentLocator?[Format.Vhdx.VhdxParentLocator.RelativePath], Path.GetFullPath(rebased.Parent));
        }

        using VhdImage image = VhdImage.Open(rebased.Child);
        return new RebaseDocument(Path.GetFullPath(rebased.Child), rebased.Restamped, ImageDocument.BackingName(image), Path.GetFullPath(rebased.Parent));
    }
}
