using System.Collections.Immutable;
using VhdKit.FileSystems.Fat;
using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>What a creation made.</summary>
/// <param name="Path">The new image's absolute path.</param>
/// <param name="Type">Fixed, dynamic or differencing.</param>
/// <param name="VirtualSize">The disk's size in bytes.</param>
/// <param name="FileSize">The new file's length in bytes.</param>
/// <param name="BlockSize">The block size in bytes (0 for a fixed disk).</param>
/// <param name="UniqueId">The new disk's unique id.</param>
/// <param name="ParentPath">The parent's absolute path (differencing), else <see langword="null"/>.</param>
/// <param name="Warnings">Anything worth saying (none today; kept for the shape every result has).</param>
public sealed record CreateResult(string Path, VhdDiskType Type, long VirtualSize, long FileSize, int BlockSize, Guid UniqueId,
    string? ParentPath, ImmutableArray<string> Warnings)
{
    /// <summary>The file system laid on the disk (<see cref="CreateRequest.FileSystem"/>), else <see langword="null"/>.</summary>
    public FatVolumeSummary? FileSystem { get; init; }

    /// <summary>The new image's format: VHD or VHDX.</summary>
    public Formats.ImageFormat Format { get; init; } = Formats.ImageFormat.Vhd;
}
