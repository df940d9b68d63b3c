using VhdKit.FileSystems.Fat;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd create --filesystem</c>: the volume made on the new disk.</summary>
/// <param name="Type"><c>fat16</c> or <c>fat32</c>.</param>
/// <param name="Label">The volume label as stored (upper case); <see langword="null"/> for none.</param>
/// <param name="PartitionOffset">The partition's first byte on the disk.</param>
/// <param name="PartitionSize">The partition's size in bytes.</param>
/// <param name="ClusterSize">Bytes per cluster.</param>
/// <param name="Files">Files copied in.</param>
/// <param name="Folders">Folders made, not counting the root.</param>
/// <param name="FileBytes">The files' total size.</param>
/// <param name="FreeBytes">Bytes left in free clusters.</param>
internal sealed record FileSystemDocument(
    string Type,
    string? Label,
    long PartitionOffset,
    long PartitionSize,
    int ClusterSize,
    int Files,
    int Folders,
    long FileBytes,
    long FreeBytes)
{
    /// <summary>The document of <paramref name="volume"/>, or <see langword="null"/> for an unformatted disk.</summary>
    public static FileSystemDocument? From(FatVolumeSummary? volume) => volume is null ? null : new(
        volume.Type == FatType.Fat32 ? "fat32" : "fat16",
        volume.Label.Length == 0 ? null : volume.Label,
        volume.PartitionOffset,
        volume.PartitionSize,
        volume.ClusterSize,
        volume.Files,
        volume.Folders,
        volume.FileBytes,
        volume.FreeBytes);

    /// <summary>The text line: <c>FAT32 volume CIDATA: 2 files (40 bytes) in 0 folders, 533921792 bytes free</c>.</summary>
    public string Describe() =>
        $"{Type.ToUpperInvariant()} volume{(Label is null ? string.Empty : " " + Label)}: {Files} files ({FileBytes} bytes) in {Folders} folders, {FreeBytes} bytes free";
}
