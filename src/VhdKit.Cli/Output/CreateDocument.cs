using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd create --output=json</c>: the new image, read back from disk.</summary>
/// <param name="Filename">Its absolute path.</param>
/// <param name="Format"><c>vpc</c> (VHD) or <c>vhdx</c>.</param>
/// <param name="Subformat">fixed, dynamic or differencing.</param>
/// <param name="VirtualSize">The disk's size in bytes.</param>
/// <param name="FileLength">The file's length in bytes.</param>
/// <param name="ClusterSize">The block size in bytes; <see langword="null"/> for a fixed disk.</param>
/// <param name="UniqueId">Its unique id.</param>
/// <param name="BackingFilename">The parent as the new child names it (its relative W2ru locator); <see langword="null"/> unless differencing.</param>
/// <param name="FullBackingFilename">The parent's absolute path; <see langword="null"/> unless differencing.</param>
/// <param name="FileSystem">The FAT volume made with <c>--filesystem</c>; <see langword="null"/> for an unformatted disk.</param>
internal sealed record CreateDocument(
    string Filename,
    FormatName Format,
    VhdDiskType Subformat,
    long VirtualSize,
    long FileLength,
    long? ClusterSize,
    Guid UniqueId,
    string? BackingFilename,
    string? FullBackingFilename,
    FileSystemDocument? FileSystem) : VerbDocument("create")
{
    /// <summary>The document of <paramref name="created"/>; a differencing disk is opened again for the parent's name it stores.</summary>
    /// <exception cref="IOException">The new differencing disk cannot be read back.</exception>
    public static CreateDocument From(CreateResult created) => new(
        StorageLocations.Display(created.Path),
        created.Format == Formats.ImageFormat.Vhdx ? FormatName.Vhdx : FormatName.Vpc,
        created.Type,
        created.VirtualSize,
        created.FileSize,
        created.Type == VhdDiskType.Fixed ? null : created.BlockSize,
        created.UniqueId,
        created.ParentPath is null ? null : StoredParentName(created),
        created.ParentPath is null ? null : StorageLocations.Display(created.ParentPath),
        FileSystemDocument.From(created.FileSystem));

    private static string? StoredParentName(CreateResult created)
    {
        if (created.Format == Formats.ImageFormat.Vhdx)
        {
            using var vhdx = Images.Vhdx.VhdxImage.Open(created.Path);
            return vhdx.Metadata.ParentLocator?[VhdKit.Format.Vhdx.VhdxParentLocator.RelativePath];
        }

        using VhdImage image = VhdImage.Open(created.Path);
        return ImageDocument.BackingName(image);
    }
}
