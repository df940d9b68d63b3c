using System.CommandLine;
using VhdKit.Automation;
using VhdKit.Cli.Output;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd create [--type fixed|dynamic] --size SIZE [--block-size SIZE] FILE</c> (or <c>FILE SIZE</c>, as qemu-img) and
/// <c>vhd create --parent PARENT FILE</c> (qemu-img: <c>-b PARENT [-F vpc]</c>); qemu-img's <c>-f vpc</c> and
/// <c>-o subformat=fixed|dynamic,block_size=SIZE</c> are taken too. Straight to the library's create operation:
/// only the format's own limits apply (not Virtual Server's free-space rule, which stays in the automation API).
/// </summary>
internal static class CreateCommand
{
    public static Command Build()
    {
        var type = new Option<string>("--type", "-t")
        {
            HelpName = "fixed|dynamic",
            Description = "fixed or dynamic (default dynamic; with --parent, differencing). qemu-img: -o subformat=fixed.",
        };
        type.AcceptOnlyFromAmong("fixed", "dynamic", "differencing");
        var size = new Option<string>("--size", "-s") { HelpName = "SIZE", Description = "Virtual size: B, K/KiB, M/MiB, G/GiB, T/TiB (powers of 1024; MB/GB mean MiB/GiB), a multiple of 512 bytes from 3 MiB to 2040 GiB. Also the SIZE argument." };
        var blockSize = new Option<string>("--block-size") { HelpName = "SIZE", Description = "Block size of a dynamic disk: 2MiB (default) or 512KiB. qemu-img: -o block_size=SIZE." };
        var parent = new Option<string>("--parent", "-b", "--backing") { HelpName = "PARENT", Description = "Create a differencing disk on this parent image (qemu-img: -b)." };
        var parentFormat = new Option<string>("--backing-format", "-F") { HelpName = "FMT", Description = "The parent's format, as qemu-img's -F: vhd or vpc (a differencing VHD's parent is a VHD)." };
        var format = new Option<string>("--format", "-f") { HelpName = "FMT", Description = "The image format: vhd or vpc (qemu-img's name for VHD), or vhdx; default vhdx for a FILE ending in .vhdx, else vhd." };
        var logicalSector = new Option<int?>("--logical-sector-size") { HelpName = "512|4096", Description = "A VHDX's logical sector size (default 512; a differencing VHDX takes its parent's)." };
        var options = new Option<string[]>("-o", "--options") { HelpName = "OPTIONS", Description = "qemu-img's image options: subformat=fixed|dynamic, block_size=SIZE (comma-separated)." };
        var zeroFill = new Option<bool>("--zero-fill") { Description = "Write zeros over a fixed disk's data instead of leaving the file sparse (fixed disks only)." };
        var file = new Argument<string>("FILE") { Description = "The new image; its folder is created if missing. An existing file is never overwritten." };
        var sizeArgument = new Argument<string?>("SIZE") { Description = "The virtual size, as qemu-img create FILE SIZE (instead of --size).", Arity = ArgumentArity.ZeroOrOne };
        var cache = new CacheOptions(shortName: false); // -t is --type here
        var fileSystem = new FileSystemOptions();
        var verb = new CliVerb("create", "Create a fixed, dynamic or differencing VHD.", "create") { Subject = file };
        return verb.Build([type, size, blockSize, parent, parentFormat, format, logicalSector, options, zeroFill, .. cache.Symbols, .. fileSystem.Symbols, file, sizeArgument], context =>
        {
            // The differencing create documents the seed's API: its errors end with the HRESULT.
            context.ShowsHResult = context.Get(parent) is not null;
            string path = Path.GetFullPath(context.Get(file));
            bool vhdx = IsVhdx(context.Get(format), path);
            string? sizeText = OneSize(context.Get(size), context.Get(sizeArgument));
            ImageOptions image = ImageOptions.Parse(context.Get(options), "subformat", "block_size");
            CreateRequest request = vhdx
                ? VhdxRequest(path, Type(context.Get(type), image.Subformat), sizeText, BlockSize(context.Get(blockSize), image.BlockSize),
                    context.Get(parent), context.Get(parentFormat), context.Get(zeroFill), context.Get(logicalSector))
                : Request(path, Type(context.Get(type), image.Subformat), sizeText, BlockSize(context.Get(blockSize), image.BlockSize),
                    context.Get(parent), context.Get(parentFormat), context.Get(zeroFill)) with { Format = ImageFormat.Vhd };
            if (!vhdx && context.Get(logicalSector) is { } sectorSize)
            {
                throw new ArgumentException($"--logical-sector-size {sectorSize} is for a VHDX; a VHD's sectors are 512 bytes (name the file .vhdx or add --format vhdx).");
            }

            request = fileSystem.Apply(request with { Sync = cache.SyncOf(context) }, context);

            CreateResult created = context.Track("create", progress => CreateOperation.Run(request, progress, context.CancellationToken));
            context.Result(CreateDocument.From(created), FileSystemDocument.From(created.FileSystem) is { } volume
                ? $"Created {created.Path} ({volume.Describe()})"
                : $"Created {created.Path}");
            return ExitCodes.Success;
        });
    }

    /// <summary>VHDX when --format (-f) names it, or when it is not given and the file ends in .vhdx.</summary>
    private static bool IsVhdx(string? format, string path)
    {
        if (format is null)
        {
            return path.EndsWith(".vhdx", StringComparison.OrdinalIgnoreCase);
        }

        ImageFormat parsed = FormatNames.Parse(format, "--format", vhdx: true);
        return parsed == ImageFormat.Raw
            ? throw new ArgumentException("--format raw: vhd create makes VHD images (and VHDX); for a raw image use truncate -s SIZE FILE.")
            : parsed == ImageFormat.Vhdx;
    }

    private static CreateRequest VhdxRequest(string path, string? type, string? size, long? blockSize, string? parent, string? parentFormat, bool zeroFill, int? logicalSector)
    {
        if (zeroFill)
        {
            throw new ArgumentException("--zero-fill is not offered for VHDX: a fixed VHDX's blocks are left sparse and read as zeros.");
        }

        int? block = blockSize is null ? null : checked((int)blockSize.Value);
        if (parent is not null)
        {
            if (parentFormat is not null && FormatNames.Parse(parentFormat, "-F", vhdx: true) != ImageFormat.Vhdx)
            {
                throw new ArgumentException($"-F {parentFormat}: a differencing VHDX's parent is a VHDX (Hyper-V refuses a VHD parent too).");
            }

            if (type is not (null or "differencing") || size is not null)
            {
                throw new ArgumentException("--parent creates a differencing disk of its parent's size; drop --type and the size.");
            }

            return new CreateRequest(path) { Type = VhdDiskType.Differencing, ParentPath = Storage.StorageLocations.IsUrl(parent) ? parent : Path.GetFullPath(parent), BlockSize = block, LogicalSectorSize = logicalSector, Format = ImageFormat.Vhdx };
        }

        if (type == "differencing" || size is null)
        {
            throw new ArgumentException(type == "differencing" ? "a differencing disk needs --parent PARENT." : "the size is required (e.g. --size 64MiB, or vhd create FILE 64M).");
        }

        return new CreateRequest(path)
        {
            Type = type == "fixed" ? VhdDiskType.Fixed : VhdDiskType.Dynamic,
            Size = Offsets.Parse(size, "--size"),
            BlockSize = block,
            LogicalSectorSize = logicalSector,
            Format = ImageFormat.Vhdx,
        };
    }

    private static string? OneSize(string? option, string? argument) => (option, argument) switch
    {
        (not null, not null) => throw new ArgumentException($"give the size once: --size {option} or SIZE {argument}, not both."),
        _ => option ?? argument,
    };

    private static string? Type(string? type, string? subformat) => (type, subformat) switch
    {
        (not null, not null) when type != subformat => throw new ArgumentException($"--type {type} and -o subformat={subformat} contradict each other; give one."),
        _ => type ?? subformat,
    };

    private static long? BlockSize(string? option, long? fromOptions) => (option, fromOptions) switch
    {
        (not null, not null) => throw new ArgumentException("give the block size once: --block-size or -o block_size, not both."),
        (not null, _) => Offsets.Parse(option, "--block-size"),
        _ => fromOptions,
    };

    private static CreateRequest Request(string path, string? type, string? size, long? blockSize, string? parent, string? parentFormat, bool zeroFill)
    {
        if (parent is not null)
        {
            FormatNames.RequireVhd(parentFormat, "-F", "a differencing VHD's parent is a VHD (vhd or vpc).");
            if (type is not (null or "differencing"))
            {
                throw new ArgumentException("--parent creates a differencing disk; --type fixed or dynamic does not go with it.");
            }

            if (size is not null || blockSize is not null)
            {
                throw new ArgumentException("a differencing disk takes its size and block size from its parent; drop the size and --block-size.");
            }

            if (Storage.StorageLocations.IsUrl(parent))
            {
                // A blob parent read in place (issue #15): the child records its URL without the query string.
                return CreateRequest.Differencing(path, parent);
            }

            // The code the seed's API gives a missing parent (the suffix documents it), not the file-not-found a plain open gives.
            string parentPath = Path.GetFullPath(parent);
            if (!File.Exists(parentPath))
            {
                throw new VMException(VMErrorCodes.E_PATH_NOT_FOUND, $"the parent {parent} does not exist ({parentPath}).", parentPath);
            }

            return CreateRequest.Differencing(path, parentPath);
        }

        if (parentFormat is not null)
        {
            throw new ArgumentException("-F names the parent's format; it goes with --parent (-b).");
        }

        if (type == "differencing")
        {
            throw new ArgumentException("a differencing disk needs --parent PARENT.");
        }

        if (size is null)
        {
            throw new ArgumentException("the size is required (e.g. --size 64MiB, or vhd create FILE 64M).");
        }

        long bytes = Offsets.Parse(size, "--size");
        if (zeroFill && type != "fixed")
        {
            throw new ArgumentException("--zero-fill is for a fixed disk (a dynamic disk stores no zeros); add --type fixed or drop --zero-fill.");
        }

        if (type == "fixed")
        {
            if (blockSize is not null)
            {
                throw new ArgumentException("a fixed disk has no blocks; drop --block-size.");
            }

            return CreateRequest.Fixed(path, bytes) with { ZeroFill = zeroFill };
        }

        int block = blockSize is null ? VhdConstants.DefaultBlockSize : checked((int)blockSize.Value);
        return CreateRequest.Dynamic(path, bytes, block);
    }
}
