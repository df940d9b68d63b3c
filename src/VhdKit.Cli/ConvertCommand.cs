using System.CommandLine;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd convert [--format raw|fixed|dynamic] SRC DST</c>: flattens a chain into a standalone image.</summary>
internal static class ConvertCommand
{
    /// <summary>The result: the new file, its format and virtual size.</summary>
    internal sealed record Converted(string Path, string Format, long VirtualSize);

    public static Command Build()
    {
        var format = new Option<string>("--format", "-f") { HelpName = "raw|fixed|dynamic", Description = "raw, fixed or dynamic (default dynamic).", DefaultValueFactory = _ => "dynamic" };
        format.AcceptOnlyFromAmong("raw", "fixed", "dynamic");
        var source = new Argument<string>("SRC") { Description = "The image (a differencing disk is read through its parents)." };
        var target = new Argument<string>("DST") { Description = "The new file; never overwritten." };
        var verb = new CliVerb("convert", "Flatten an image and its parents into a new raw, fixed or dynamic image (sparse; the source is only read).", "convert") { Subject = source };
        return verb.Build([format, source, target], context =>
        {
            using VirtualDisk disk = VirtualDisk.Open(context.Get(source), new VirtualDiskOptions { ReadOnly = true });
            context.Warn(disk.Warnings);
            ConvertFormat kind = Enum.Parse<ConvertFormat>(context.Get(format)!, ignoreCase: true);
            string destination = Path.GetFullPath(context.Get(target));
            string name = kind.ToString().ToLowerInvariant();
            context.Track($"convert to {name}", progress => DiskConverter.Convert(disk, destination, kind, progress, context.CancellationToken));
            context.Result(new Converted(destination, name, disk.Capacity), $"Wrote {destination} ({name}, {disk.Capacity} bytes)");
            return ExitCodes.Success;
        });
    }
}
