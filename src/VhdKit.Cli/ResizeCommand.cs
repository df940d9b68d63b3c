using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd resize FILE [+|-]SIZE</c> (as qemu-img resize) or <c>vhd resize --size SIZE FILE</c>: grow a fixed or dynamic
/// disk, or shrink a dynamic one that holds nothing past the new end (a VHDX, fixed or dynamic, when what it stores
/// past the new end reads zeros).
/// </summary>
internal static class ResizeCommand
{
    public static Command Build()
    {
        var size = new Option<string>("--size", "-s") { HelpName = "SIZE", Description = "The new virtual size (B, K/KiB, M/MiB, G/GiB, T/TiB; powers of 1024). Also the SIZE argument." };
        var shrink = new Option<bool>("--shrink") { Description = "Accepted for qemu-img's sake: VhdKit shrinks only when nothing is lost (a dynamic VHD: nothing stored past the new end; a VHDX: only zeros there), with or without it." };
        var file = new Argument<string>("FILE") { Description = "A fixed or dynamic image without children." };
        var sizeArgument = new Argument<string?>("SIZE")
        {
            Description = "The new size, or +SIZE / -SIZE to grow or shrink by that much (as qemu-img resize FILE +1G).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var verb = new CliVerb("resize", "Change the virtual size of a fixed or dynamic disk (the partitions inside are not touched).", "resize") { Subject = file };
        var cache = new CacheOptions();
        return verb.Build([size, shrink, .. cache.Symbols, file, sizeArgument], context =>
        {
            cache.RefuseUnsafe(context, "resize changes the image");
            string path = context.Get(file);
            long bytes = NewSize(path, context.Get(size), context.Get(sizeArgument));
            ResizeResult resized = context.Track("resize", progress => ResizeOperation.Run(new ResizeRequest(path, bytes), progress, context.CancellationToken));
            context.Warn(resized.Warnings);
            context.Result(ResizeDocument.From(resized), $"{resized.Path} is now {resized.SizeAfter} bytes (was {resized.SizeBefore}).");
            return ExitCodes.Success;
        });
    }

    /// <summary>The size asked for: absolute, or relative to the disk's current size (<c>+1G</c>, <c>-512M</c>).</summary>
    /// <exception cref="ArgumentException">No size, two sizes, or one that does not parse.</exception>
    internal static long NewSize(string path, string? option, string? argument)
    {
        string text = (option, argument) switch
        {
            (not null, not null) => throw new ArgumentException($"give the size once: --size {option} or SIZE {argument}, not both."),
            (null, null) => throw new ArgumentException("the new size is required (e.g. vhd resize disk.vhd 20G, or +1G to grow by 1 GiB)."),
            _ => (option ?? argument)!.Trim(),
        };
        if (text.Length == 0 || text[0] is not ('+' or '-'))
        {
            return Offsets.Parse(text, "--size");
        }

        long change = Offsets.Parse(text[1..], "--size");
        long current;
        if (File.Exists(path) && ImageFormatProbe.Detect(path) == ImageFormat.Vhdx)
        {
            using VhdxImage image = VhdxImage.Open(path);
            current = image.Capacity;
        }
        else
        {
            using VhdImage image = VhdImage.Open(path);
            current = image.Capacity;
        }

        return text[0] == '+' ? checked(current + change) : current - change;
    }
}
