using VhdKit.FileSystems.Fat;
using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>What to create: a fixed or dynamic disk of a size, or a differencing disk on a parent.</summary>
/// <param name="Path">The new image; its folder is created if missing. Nothing existing is ever replaced.</param>
public sealed record CreateRequest(string Path)
{
    /// <summary>Fixed, dynamic or differencing (default dynamic).</summary>
    public VhdDiskType Type { get; init; } = VhdDiskType.Dynamic;

    /// <summary>
    /// The virtual size in bytes (fixed and dynamic): a multiple of 512 from 3 MiB to 2040 GiB. A differencing disk
    /// takes its parent's: leave it 0 (or give the parent's size; another size is refused).
    /// </summary>
    public long Size { get; init; }

    /// <summary>
    /// The block size: 2 MiB or 512 KiB. When <see langword="null"/>, a dynamic disk gets 2 MiB and a differencing
    /// disk its parent's (2 MiB under a fixed parent). Refused for a fixed disk, which has no blocks.
    /// </summary>
    public int? BlockSize { get; init; }

    /// <summary>The parent's path (differencing only).</summary>
    public string? ParentPath { get; init; }

    /// <summary>
    /// Write zeros over the whole data area of a fixed disk instead of leaving the file sparse. Refused for a dynamic
    /// or differencing disk (their unwritten blocks read as zeros already), rather than ignored.
    /// </summary>
    public bool ZeroFill { get; init; }

    /// <summary>
    /// A FAT16 or FAT32 file system to lay on the new fixed or dynamic disk (an MBR partition from 1 MiB, formatted,
    /// with the builder's files); <see langword="null"/> for an unformatted disk. Refused for a differencing disk. The
    /// tree is checked against the disk's size before the file is created.
    /// </summary>
    public FatDiskBuilder? FileSystem { get; init; }

    /// <summary>The new disk's unique id; a new random one when <see langword="null"/>.</summary>
    public Guid? UniqueId { get; init; }

    /// <summary>The creation time to record; now when <see langword="null"/>.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>
    /// Whether the new file is made durable before the creation returns (default <see cref="SyncMode.Durable"/>);
    /// <see cref="SyncMode.None"/> skips every fsync, for scratch images (qemu-img's <c>-t unsafe</c>).
    /// </summary>
    public SyncMode Sync { get; init; }

    /// <summary>
    /// VHD or VHDX; when <see langword="null"/>, VHDX for a path ending in <c>.vhdx</c> (any case), else VHD. For a
    /// VHDX: the size is any multiple of the logical sector size up to 64 TiB; the block size a power of two from
    /// 1 MiB to 256 MiB (Hyper-V's defaults when null: 32 MiB, 2 MiB for a differencing disk); the parent must be
    /// a VHDX.
    /// </summary>
    public Formats.ImageFormat? Format { get; init; }

    /// <summary>A VHDX's logical sector size: 512 (the default) or 4096. A differencing disk takes its parent's.</summary>
    public int? LogicalSectorSize { get; init; }

    /// <summary>A fixed disk of <paramref name="size"/> bytes at <paramref name="path"/>.</summary>
    public static CreateRequest Fixed(string path, long size) => new(path) { Type = VhdDiskType.Fixed, Size = size };

    /// <summary>A dynamic disk of <paramref name="size"/> bytes at <paramref name="path"/>.</summary>
    public static CreateRequest Dynamic(string path, long size, int blockSize = VhdConstants.DefaultBlockSize) =>
        new(path) { Type = VhdDiskType.Dynamic, Size = size, BlockSize = blockSize };

    /// <summary>A differencing disk at <paramref name="path"/> on the parent at <paramref name="parentPath"/>.</summary>
    public static CreateRequest Differencing(string path, string parentPath) =>
        new(path) { Type = VhdDiskType.Differencing, ParentPath = parentPath };
}
