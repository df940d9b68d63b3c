using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd convert [-f IN_FMT] [-O OUT_FMT] [-o subformat=fixed|dynamic] SRC DST</c>, as qemu-img convert: a VHD (read
/// through its parents) or a raw file into a new standalone raw, fixed or dynamic image.
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
            Description = "What to write: vhd or vpc (dynamic unless -o subformat=fixed), raw, or fixed / dynamic (VHD); default dynamic VHD.",
        };
        var options = new Option<string[]>("-o", "--options") { HelpName = "OPTIONS", Description = "qemu-img's image options: subformat=fixed|dynamic." };
        var source = new Argument<string>("SRC") { Description = "The source: a VHD (a differencing disk is read through its parents) or a raw file." };
        var target = new Argument<string>("DST") { Description = "The new file; never overwritten." };
        var verb = new CliVerb("convert", "Convert an image (flattening a chain) or a raw file into a new raw, fixed or dynamic image (sparse; the source is only read).", "convert") { Subject = source };
        var cache = new CacheOptions();
        return verb.Build([sourceFormat, targetFormat, options, .. cache.Symbols, source, target], context =>
        {
            string? inFormat = context.Get(sourceFormat);
            string? outFormat = context.Get(targetFormat);
            if (inFormat?.Trim().ToLowerInvariant() is "fixed" or "dynamic" && outFormat is null)
            {
                // Before qemu-img's flags, -f named the target; fixed and dynamic name no source format, so they still mean that.
                context.Warn($"-f {inFormat} names the target as -f did before; -f now names the source format, as in qemu-img: write -O {inFormat}.");
                (outFormat, inFormat) = (inFormat, null);
            }

            var request = new ConvertRequest(context.Get(source), Path.GetFullPath(context.Get(target)))
            {
                SourceFormat = inFormat is null ? null : FormatNames.Parse(inFormat, "-f", vhdx: true),
                TargetFormat = Target(outFormat, ImageOptions.Parse(context.Get(options), "subformat").Subformat),
                Sync = cache.SyncOf(context),
            };
            string kind = request.TargetFormat.ToString().ToLowerInvariant();
            ConvertResult converted = context.Track("convert", progress => ConvertOperation.Run(request, progress, context.CancellationToken));
            context.Warn(converted.Warnings);
            context.Result(ConvertDocument.From(converted, request.Source), $"Wrote {converted.Target} ({kind}, {converted.VirtualSize} bytes, from {ImageFormatNames.NameOf(converted.SourceFormat)})");
            return ExitCodes.Success;
        });
    }

    /// <summary>The target from <c>-O</c> and <c>-o subformat</c>: raw, or a fixed or dynamic VHD.</summary>
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

        if (FormatNames.Parse(name, "-O") == ImageFormat.Raw)
        {
            return subformat is null ? ConvertFormat.Raw : throw new ArgumentException($"-o subformat={subformat} is for a VHD target; a raw image has none.");
        }

        return subformat == "fixed" ? ConvertFormat.Fixed : ConvertFormat.Dynamic;
    }
}
