using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Formats;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// Creating a VHDX: the plan (sizes checked, Hyper-V's defaults, the parent's linkage); the writing is VhdxNewImage's.
public static partial class CreateOperation
{
    /// <summary>Writes a new fixed or dynamic VHDX into the empty <paramref name="storage"/> (a temporary file the caller flushes and moves).</summary>
    /// <exception cref="ArgumentException">The request asks for a differencing disk or zero fill.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The size, block size or logical sector size is not one VHDX allows.</exception>
    /// <exception cref="IOException">Writing failed.</exception>
    internal static void CreateVhdx(IPositionalStorage storage, CreateRequest options)
    {
        if (options.Type == VhdDiskType.Differencing)
        {
            throw new ArgumentException("A differencing disk is created from a parent file: use the path overload.", nameof(options));
        }

        PlanVhdx(storage.Name, options).WriteTo(storage);
    }

    private static bool IsVhdx(CreateRequest request) =>
        request.Format is { } format ? format == ImageFormat.Vhdx : request.Path.EndsWith(".vhdx", StringComparison.OrdinalIgnoreCase);

    private static VhdxNewImage PlanVhdx(string fullPath, CreateRequest options)
    {
        if (options.ZeroFill)
        {
            throw new ArgumentException($"Zero fill is not offered for VHDX; a fixed VHDX's blocks are left sparse and read as zeros ({options.Path}).");
        }

        if (options.Type == VhdDiskType.Differencing)
        {
            return PlanVhdxDifferencing(fullPath, options);
        }

        if (options.Type is not (VhdDiskType.Fixed or VhdDiskType.Dynamic))
        {
            throw new ArgumentException($"Cannot create a disk of type {options.Type}.", nameof(options));
        }

        uint logical = CheckLogicalSectorSize(options.LogicalSectorSize ?? 512);
        return new VhdxNewImage
        {
            Size = CheckVhdxSize(options.Size, logical),
            BlockSize = CheckVhdxBlockSize(options.BlockSize, VhdxNewImage.DefaultBlockSize),
            LogicalSectorSize = logical,
            PhysicalSectorSize = VhdxNewImage.DefaultPhysicalSectorSize,
            Fixed = options.Type == VhdDiskType.Fixed,
            VirtualDiskId = options.UniqueId ?? Guid.NewGuid(),
        };
    }

    private static VhdxNewImage PlanVhdxDifferencing(string fullPath, CreateRequest options)
    {
        if (string.IsNullOrEmpty(options.ParentPath))
        {
            throw new ArgumentException("A differencing disk needs a parent path.", nameof(options));
        }

        if (Storage.StorageLocations.IsUrl(options.ParentPath))
        {
            throw new ArgumentException($"A VHDX child of a remote parent is not supported: {Storage.StorageLocations.Display(options.ParentPath)} can be the parent of a VHD child (vhd create -f vpc --parent URL child.vhd).");
        }

        string parentPath = Path.GetFullPath(options.ParentPath);
        if (!File.Exists(parentPath))
        {
            throw new FileNotFoundException($"The parent {parentPath} does not exist.", parentPath);
        }

        // A half-merged parent (its merge journal remains) is no base for a child until the merge completes, as for VHD.
        MergeJournal.ThrowIfInterrupted(parentPath);
        ImageFormat parentFormat = ImageFormatProbe.Detect(parentPath);
        if (parentFormat != ImageFormat.Vhdx)
        {
            throw new VhdxFormatException(
                $"{parentPath} is {ImageFormatNames.Describe(parentFormat)}: a VHDX differencing disk needs a VHDX parent (Hyper-V refuses a VHD parent under a VHDX child too). Convert the parent first (vhd convert -O vhdx), or make a .vhd child.");
        }

        // The parent must be a valid image whose own chain resolves: a child of a broken chain is useless.
        using VhdxChain parentChain = VhdxChain.Open(parentPath);
        VhdxImage parent = parentChain.Leaf;
        if (options.Size != 0 && options.Size != parent.Capacity)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A differencing disk takes its parent's size: {parentPath} is {parent.Capacity} bytes, not {options.Size}. Leave the size out, or resize the parent first."));
        }

        if (options.LogicalSectorSize is { } logical && logical != parent.LogicalSectorSize)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"A differencing VHDX takes its parent's logical sector size: {parentPath} has {parent.LogicalSectorSize}, not {logical}."));
        }

        return new VhdxNewImage
        {
            Size = (ulong)parent.Capacity,
            BlockSize = CheckVhdxBlockSize(options.BlockSize, VhdxNewImage.DefaultDifferencingBlockSize),
            LogicalSectorSize = (uint)parent.LogicalSectorSize,
            PhysicalSectorSize = parent.Metadata.PhysicalSectorSize,
            Fixed = false,
            VirtualDiskId = options.UniqueId ?? Guid.NewGuid(),
            ParentLocator = VhdxLocatorPairs.For(fullPath, parentPath, parent.DataWriteGuid),
        };
    }

    private static uint CheckLogicalSectorSize(int size) => size is 512 or 4096
        ? (uint)size
        : throw new ArgumentOutOfRangeException(null, string.Create(CultureInfo.InvariantCulture, $"A VHDX's logical sector size is 512 or 4096; got {size}."));

    internal static ulong CheckVhdxSize(long size, uint logical)
    {
        if (size <= 0 || (ulong)size > VhdxMetadata.MaxVirtualDiskSize || size % logical != 0)
        {
            throw new ArgumentOutOfRangeException(null, string.Create(CultureInfo.InvariantCulture,
                $"A VHDX's size is a multiple of its logical sector size ({logical} bytes) from {logical} bytes to 64 TiB; got {size} bytes."));
        }

        return (ulong)size;
    }

    private static uint CheckVhdxBlockSize(int? blockSize, uint defaultSize)
    {
        if (blockSize is not { } size)
        {
            return defaultSize;
        }

        if (size < VhdxFileParameters.MinBlockSize || size > VhdxFileParameters.MaxBlockSize || (size & (size - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(null, string.Create(CultureInfo.InvariantCulture,
                $"A VHDX's block size is a power of two from 1 MiB to 256 MiB; got {size} bytes."));
        }

        return (uint)size;
    }
}
