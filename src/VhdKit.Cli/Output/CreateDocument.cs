using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd create --output=json</c>: the new image, read back from disk.</summary>
/// <param name="Filename">Its absolute path.</param>
/// <param name="Format">Always <c>vpc</c>.</param>
/// <param name="Subformat">fixed, dynamic or differencing.</param>
/// <param name="VirtualSize">The disk's size in bytes.</param>
/// <param name="FileLength">The file's length in bytes.</param>
/// <param name="ClusterSize">The block size in bytes; <see langword="null"/> for a fixed disk.</param>
/// <param name="UniqueId">Its unique id.</param>
/// <param name="BackingFilename">The parent as the new child names it (its relative W2ru locator); <see langword="null"/> unless differencing.</param>
/// <param name="FullBackingFilename">The parent's absolute path; <see langword="null"/> unless differencing.</param>
internal sealed record CreateDocument(
    string Filename,
    FormatName Format,
    VhdDiskType Subformat,
    long VirtualSize,
    long FileLength,
    long? ClusterSize,
    Guid UniqueId,
    string? BackingFilename,
    string? FullBackingFilename) : VerbDocument("create")
{
    /// <summary>Reads the image just created at <paramref name="path"/>.</summary>
    /// <param name="path">The new image.</param>
    /// <param name="parentPath">The parent it was created on, or <see langword="null"/>.</param>
    /// <exception cref="IOException">The image cannot be read back.</exception>
    public static CreateDocument Read(string path, string? parentPath)
    {
        using VhdImage image = VhdImage.Open(path);
        return new CreateDocument(
            Path.GetFullPath(path),
            FormatName.Vpc,
            image.DiskType,
            image.Capacity,
            image.FileLength,
            image.Header is { } h ? h.BlockSize : null,
            image.UniqueId,
            parentPath is null ? null : ImageDocument.BackingName(image),
            parentPath is null ? null : Path.GetFullPath(parentPath));
    }
}
