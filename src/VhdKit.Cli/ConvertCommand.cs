using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd convert [-f IN_FMT] [-O OUT_FMT] [-o subformat=fixed|dynamic,block_size=SIZE] [--logical-sector-size 512|4096]
/// SRC DST</c>, as qemu-img convert: a VHD or VHDX (read through its parents) or a raw file into a new standalone raw
/// image, fixed or dynamic VHD, or fixed or dynamic VHDX.
/// </summary>
internal static class ConvertCommand
{
    public static Command Build()
    {
        var sourceFormat = new Option<string>("--source-format", "-f")
        {
            HelpName = "FMT",
            Description = "The source's format: raw, vhd or vpc, or vhdx (default: detected by content; a file in no known format is raw).",
        };
        var targetFormat = new Option<string>("--target-format", "-O", "--format")
        {
            HelpName = "FMT",
            Description = "What to write: vhd or vpc (dynamic unless -o subformat=fixed), vhdx (likewise), raw, or fixed / dynamic (VHD); default dynamic VHD.",
        };
        var options = new Option<string[]>("-o", "--options") { HelpName = "OPTIONS", Description = "qemu-img's image options: subformat=fixed|dynamic, block_size=SIZE (VHDX)." };
        var blockSize = new Option<string>("--block-size") { HelpName = "SIZE", Description = "A VHDX target's block size: a power of two from 1MiB to 256MiB (default 32MiB, Hyper-V's). qemu-img: -o block_size=SIZE." };
        var logicalSector = new Option<int?>("--logical-sector-size") { HelpName = "512|4096", Description = "A VHDX target's logical sector size (default: a VHDX source's, else 512)." };
        var source = new Argument<string>("SRC") { Description = "The source: a VHD or VHDX (a differencing disk is read through its parents) or a raw file." };
        var target = new Argument<string>("DST") { Description = "The new file; never overwritten." };
        var verb = new CliVerb("convert", "Convert an image (flattening a chain) or a raw file into a new raw image, or fixed or dynamic VHD or VHDX (sparse; the source is only read).", "convert") { Subject = source };
        var cache = new CacheOptions();
        return verb.Build([sourceFormat, targetFormat, options, blockSize, logicalSector, .. cache.Symbols, source, target], context =>
        {
            string? inFormat = context.Get(sourceFormat);
            string? outFormat = context.Get(targetFormat);
            if (inFormat?.Trim().ToLowerInvariant() is "fixed" or "dynamic" && outFormat is null)
            {
                // Before qemu-img's flags, -f named the target; fixed and dynamic name no source format, so they still mean that.
                context.Warn($"-f {inFormat} names the target as -f did before; -f now names the source format, as in qemu-img: write -O {inFormat}.");
                (outFormat, inFormat) = (inFormat, null);
            }

            ImageOptions image = ImageOptions.Parse(context.Get(options), "subformat", "block_size");
            long? block = (context.Get(blockSize), image.BlockSize) switch
            {
                (not null, not null) => throw new ArgumentException("give the block size once: --block-size or -o block_size, not both."),
                (string text, _) => Offsets.Parse(text, "--block-size"),
                (_, var fromOptions) => fromOptions,
            };
            var request = new ConvertRequest(context.Get(source), Path.GetFullPath(context.Get(target)))
            {
                SourceFormat = inFormat is null ? null : FormatNames.Parse(inFormat, "-f", vhdx: true),
                TargetFormat = Target(outFormat, image.Subformat),
                BlockSize = block is null ? null : checked((int)block.Value),
                LogicalSectorSize = context.Get(logicalSector),
                Sync = cache.SyncOf(context),
            };
            string kind = request.TargetFormat switch
            {
                ConvertFormat.VhdxFixed => "fixed vhdx",
                ConvertFormat.VhdxDynamic => "dynamic vhdx",
                var other => other.ToString().ToLowerInvariant(),
            };
            ConvertResult converted = context.Track("convert", progress => ConvertOperation.Run(request, progress, context.CancellationToken));
            context.Warn(converted.Warnings);
            context.Result(ConvertDocument.From(converted, request.Source), $"Wrote {converted.Target} ({kind}, {converted.VirtualSize} bytes, from {ImageFormatNames.NameOf(converted.SourceFormat)})");
            return ExitCodes.Success;
        });
    }

    /// <summary>The target from <c>-O</c> and <c>-o subformat</c>: raw, or a fixed or dynamic VHD or VHDX.</summary>
    /// <exception cref="ArgumentException">A format VhdKit does not write, or a contradiction.</exception>
    private static ConvertFormat Target(string? format, string? subformat)
    {
        string name = format?.Trim().ToLowerInvariant() ?? "vhd";
        if (name is "fixed" or "dynamic")
        {
            return subformat is not null && subformat != name
                ? throw new ArgumentException($"-O {name} and -o subformat={subformat} contradict each other; give one.")
                : Enum.Parse<ConvertFormat>(name, ignoreCase: true);
        }

        ImageFormat parsed = FormatNames.Parse(name, "-O", vhdx: true);
        if (parsed == ImageFormat.Raw)
        {
            return subformat is null ? ConvertFormat.Raw : throw new ArgumentException($"-o subformat={subformat} is for a VHD or VHDX target; a raw image has none.");
        }

        if (parsed == ImageFormat.Vhdx)
        {
            return subformat == "fixed" ? ConvertFormat.VhdxFixed : ConvertFormat.VhdxDynamic;
        }

        return subformat == "fixed" ? ConvertFormat.Fixed : ConvertFormat.Dynamic;
    }
}
