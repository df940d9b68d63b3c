using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of CreateOperation: the work itself, with the seams tests and the automation API use.
public static partial class CreateOperation
{
    /// <summary>
    /// Creates a new image at the request's path (the creation <see cref="CreateOperation"/> runs). The containing
    /// folder is created if missing. The image is written to a temporary file in the same folder, flushed, then moved
    /// into place without replacing anything; a failed or cancelled creation leaves nothing behind.
    /// <paramref name="hooks"/>: how the temporary file is opened, and a call made just before it is moved into place.
    /// </summary>
    internal static void Create(CreateRequest options, IProgress<OperationProgress>? progress, CreateHooks hooks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        string fullPath = Path.GetFullPath(options.Path);
        NewFile.ThrowIfExists(fullPath);
        bool vhdx = IsVhdx(options);
        NewImage? image = vhdx ? null : Plan(fullPath, options);
        VhdxNewImage? vhdxImage = vhdx ? PlanVhdx(fullPath, options) : null;

        if (options.FileSystem is not null)
        {
            if (vhdxImage is { LogicalSectorSize: not 512 })
            {
                throw new ArgumentException($"A formatted VHDX has 512-byte logical sectors, those of its FAT volume; {fullPath} was asked with {vhdxImage.LogicalSectorSize}.");
            }

            // A tree that does not fit is refused here, before any file exists.
            options.FileSystem.Plan(image?.Size ?? (long)vhdxImage!.Size);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        FileStorage file = NewFile.CreateTemporary(fullPath, null, out string temporary);
        try
        {
            using (file)
            {
                IPositionalStorage storage = hooks.WrapTemporary(file);
                if (vhdxImage is not null)
                {
                    vhdxImage.WriteTo(storage);
                    FormatVhdx(new DeferredFlushStorage(storage), options, progress, cancellationToken);
                }
                else
                {
                    Write(storage, image!, progress, cancellationToken);
                    // The file system's writes flush once, with the file, below (no one sees the temporary file before).
                    Format(new DeferredFlushStorage(storage), options, progress, cancellationToken);
                }

                if (options.Sync == SyncMode.Durable)
                {
                    storage.Flush();
                }
            }

            hooks.BeforeMove();
            NewFile.MoveIntoPlace(temporary, fullPath, options.Sync);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        progress?.Report(new OperationProgress(1, 1));
    }

    /// <summary>
    /// Writes a new image of fixed or dynamic type into <paramref name="storage"/> (which should be empty); the
    /// request's path is not used (the storage is the file).
    /// </summary>
    /// <exception cref="ArgumentException">The request is not allowed, or asks for a differencing disk (use the path overload).</exception>
    /// <exception cref="IOException">Writing failed.</exception>
    internal static void Create(IPositionalStorage storage, CreateRequest options)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Type == VhdDiskType.Differencing)
        {
            throw new ArgumentException("A differencing disk is created from a parent file: use the path overload.", nameof(options));
        }

        NewImage image = Plan(storage.Name, options);
        options.FileSystem?.Plan(image.Size);
        Write(storage, image, null, CancellationToken.None);
        Format(storage, options, null, CancellationToken.None);
    }

    /// <summary>Writes the partition table, the file system and its files into the new image, through the image's own writes.</summary>
    /// <remarks>Progress: the bytes of file data copied, of the files' total.</remarks>
    private static void Format(IPositionalStorage storage, CreateRequest options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (options.FileSystem is not { } builder)
        {
            return;
        }

        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(storage, leaveOpen: true)]);
        WriteFileSystem(disk, builder, progress, cancellationToken);
    }

    /// <summary>As <see cref="Format"/>, into a new VHDX, through its writer.</summary>
    private static void FormatVhdx(IPositionalStorage storage, CreateRequest options, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (options.FileSystem is not { } builder)
        {
            return;
        }

        using VirtualDisk disk = VirtualDisk.Open(VhdxChain.Of(VhdxImage.OpenWritable(storage)));
        WriteFileSystem(disk, builder, progress, cancellationToken);
    }

    private static void WriteFileSystem(VirtualDisk disk, FileSystems.Fat.FatDiskBuilder builder, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        long total = builder.Plan(disk.Capacity).FileBytes;
        IProgress<long>? copied = progress is null ? null : new Progress(bytes => progress.Report(new OperationProgress(bytes, total)));
        builder.WriteTo(disk, copied, cancellationToken);
    }

    /// <summary>Calls back on the reporting thread (not <see cref="Progress{T}"/>'s captured context).</summary>
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private static NewImage Plan(string fullPath, CreateRequest options)
    {
        ThrowIfMeaningless(options);
        var image = new NewImage
        {
            Type = options.Type,
            UniqueId = options.UniqueId ?? Guid.NewGuid(),
            Timestamp = VhdTimestamp.FromDateTime(options.Timestamp ?? DateTimeOffset.UtcNow),
            ZeroFill = options.ZeroFill,
        };
        switch (options.Type)
        {
            case VhdDiskType.Fixed:
                image.Size = CheckSize(options.Size);
                image.Geometry = DiskGeometry.FromCapacity(image.Size);
                break;
            case VhdDiskType.Dynamic:
                image.Size = CheckSize(options.Size);
                image.Geometry = DiskGeometry.FromCapacity(image.Size);
                image.BlockSize = CheckBlockSize(options.BlockSize ?? VhdConstants.DefaultBlockSize);
                break;
            case VhdDiskType.Differencing:
                PlanDifferencing(fullPath, options, image);
                break;
            default:
                throw new ArgumentException($"Cannot create a disk of type {options.Type}.", nameof(options));
        }

        return image;
    }

    /// <summary>
    /// Refuses what a request asks for but its type cannot do, instead of ignoring it: zero fill (only a fixed disk
    /// has a data area to fill; a dynamic or differencing disk's unwritten blocks read as zeros already) and a block
    /// size for a fixed disk (it has no blocks).
    /// </summary>
    private static void ThrowIfMeaningless(CreateRequest request)
    {
        if (request.ZeroFill && request.Type != VhdDiskType.Fixed)
        {
            throw new ArgumentException(
                $"Zero fill applies to a fixed disk only: a {request.Type.ToString().ToLowerInvariant()} disk's unwritten blocks read as zeros without being written ({request.Path}).");
        }

        if (request.FileSystem is not null && request.Type == VhdDiskType.Differencing)
        {
            throw new ArgumentException($"A differencing disk holds its parent's content; it cannot be formatted ({request.Path}).");
        }

        if (request.LogicalSectorSize is { } logical && logical != VhdConstants.SectorSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A VHD's sectors are 512 bytes; a logical sector size of {logical} needs a VHDX ({request.Path})."));
        }

        if (request.BlockSize is not null && request.Type == VhdDiskType.Fixed)
        {
            throw new ArgumentException($"A fixed disk has no blocks, so it takes no block size ({request.Path}).");
        }
    }

    private static void PlanDifferencing(string fullPath, CreateRequest options, NewImage image)
    {
        if (string.IsNullOrEmpty(options.ParentPath))
        {
            throw new ArgumentException("A differencing disk needs a parent path.", nameof(options));
        }

        if (StorageLocations.IsUrl(options.ParentPath))
        {
            PlanRemoteParent(options, image);
            return;
        }

        string parentPath = Path.GetFullPath(options.ParentPath);
        if (!File.Exists(parentPath))
        {
            throw new FileNotFoundException($"The parent {parentPath} does not exist.", parentPath);
        }

        // A half-merged parent (its merge journal remains) is no base for a child until the merge completes.
        MergeJournal.ThrowIfInterrupted(parentPath);

        // The parent must be a valid image whose own chain resolves: a child of a broken chain is useless.
        using VhdChain parentChain = VhdChain.Open(parentPath);
        VhdImage parent = parentChain.Leaf;
        TakeFromParent(options, image, parent, Path.GetFileName(parentPath));
        image.ParentTimestamp = VhdTimestamp.FromDateTime(File.GetLastWriteTimeUtc(parentPath));
        foreach ((ParentLocatorPlatform platform, string text) in ParentLocatorPaths.For(fullPath, parentPath))
        {
            image.Locators.Add((platform, LocatorText.Encode(platform, text)));
        }
    }

    /// <summary>
    /// A local child of a remote parent (a URL opened through <see cref="StorageLocations"/>): the parent's chain must
    /// open, and the child records one Url8 locator with the URL without its query string (a SAS token is never stored;
    /// the credential comes from the environment when the chain is read), the blob's name as the parent name, and
    /// parent timestamp 0 ("not recorded", as Windows writes it: a blob has no file time to compare).
    /// </summary>
    private static void PlanRemoteParent(CreateRequest options, NewImage image)
    {
        string url = StorageLocations.WithoutQuery(options.ParentPath!);
        using VhdChain parentChain = VhdChain.Open(options.ParentPath!);
        string name = url[(url.LastIndexOf('/') + 1)..];
        TakeFromParent(options, image, parentChain.Leaf, name);
        image.ParentTimestamp = 0;
        image.Locators.Add((ParentLocatorPlatform.Url8, LocatorText.Encode(ParentLocatorPlatform.Url8, url)));
    }

    /// <summary>What a differencing child takes from its parent: size, geometry, block size, the parent's id and name.</summary>
    private static void TakeFromParent(CreateRequest options, NewImage image, VhdImage parent, string parentName)
    {
        if (options.Size != 0 && options.Size != parent.Capacity)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A differencing disk takes its parent's size: {parent.Path} is {parent.Capacity} bytes, not {options.Size}. Leave the size out, or resize the parent first."));
        }

        image.Size = parent.Capacity;
        image.Geometry = parent.Footer.Geometry;
        image.BlockSize = options.BlockSize is { } explicitSize
            ? CheckBlockSize(explicitSize)
            : parent.DiskType == VhdDiskType.Fixed ? VhdConstants.DefaultBlockSize : parent.BlockSize;
        image.ParentUniqueId = parent.UniqueId;
        image.ParentName = parentName;
        if (image.ParentName.Length > DynamicHeader.MaxParentNameLength)
        {
            throw new ArgumentException($"The parent's file name is longer than {DynamicHeader.MaxParentNameLength} characters.", nameof(options));
        }
    }

    private static long CheckSize(long size) => DiskSizeRule.Check(size);

    private static int CheckBlockSize(int blockSize)
    {
        if (blockSize is not (VhdConstants.MinimumCreatedBlockSize or VhdConstants.DefaultBlockSize))
        {
            throw new ArgumentOutOfRangeException(null, string.Create(CultureInfo.InvariantCulture,
                $"The block size must be 2 MiB (the default) or 512 KiB, the sizes Hyper-V and Virtual PC use; got {blockSize} bytes."));
        }

        return blockSize;
    }

    private static void Write(IPositionalStorage storage, NewImage image, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var footer = new VhdFooter
        {
            Features = FooterFeatures.Reserved,
            FormatVersion = VhdConstants.FormatVersion,
            DataOffset = image.Type == VhdDiskType.Fixed ? VhdConstants.NoDataOffset : (ulong)NewImageLayout.HeaderOffset,
            Timestamp = image.Timestamp,
            CreatorApplication = VhdFooter.VhdKitCreator,
            CreatorVersion = VhdFooter.VhdKitCreatorVersion,
            CreatorHostOs = VhdFooter.WindowsHostOs,
            OriginalSize = (ulong)image.Size,
            CurrentSize = (ulong)image.Size,
            Geometry = image.Geometry,
            DiskType = image.Type,
            UniqueId = image.UniqueId,
        };
        if (image.Type == VhdDiskType.Fixed)
        {
            WriteFixed(storage, image, footer, progress, cancellationToken);
        }
        else
        {
            WriteDynamic(storage, image, footer);
        }
    }

    private static void WriteFixed(IPositionalStorage storage, NewImage image, VhdFooter footer,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        // Extending the file leaves the data area sparse (reads as zeros) where the file system allows.
        storage.SetLength(image.Size + VhdFooter.Size);
        if (image.ZeroFill)
        {
            // The copy engine's loop, reading zeros: chunked, cancellable, with progress.
            CopyEngine.Copy([new DiskExtent(0, image.Size, 0)], static (chunk, _) => chunk.Clear(), storage.Write, progress, cancellationToken);
        }

        Span<byte> bytes = stackalloc byte[VhdFooter.Size];
        footer.WriteTo(bytes);
        storage.Write(bytes, image.Size);
    }

    private static void WriteDynamic(IPositionalStorage storage, NewImage image, VhdFooter footer)
    {
        var header = new DynamicHeader
        {
            HeaderVersion = VhdConstants.FormatVersion,
            BlockSize = (uint)image.BlockSize,
            ParentUniqueId = image.ParentUniqueId,
            ParentTimestamp = image.ParentTimestamp,
            ParentName = image.ParentName,
        };
        MetadataEditor.WriteNewImage(storage, footer, header, image.Locators);
    }

    private sealed class NewImage
    {
        public VhdDiskType Type { get; init; }

        public long Size { get; set; }

        public DiskGeometry Geometry { get; set; }

        public int BlockSize { get; set; }

        public Guid UniqueId { get; init; }

        public uint Timestamp { get; init; }

        public bool ZeroFill { get; init; }

        public Guid ParentUniqueId { get; set; }

        public uint ParentTimestamp { get; set; }

        public string ParentName { get; set; } = string.Empty;

        public List<(ParentLocatorPlatform Platform, byte[] Data)> Locators { get; } = [];
    }
}
