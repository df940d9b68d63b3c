using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd resize --size SIZE FILE</c>: grow a fixed or dynamic disk, or shrink a dynamic one that holds nothing past the new end.</summary>
internal static class ResizeCommand
{
    /// <summary>The result: the file and its new virtual size.</summary>
    internal sealed record Resized(string Path, long VirtualSize);

    public static Command Build()
    {
        var size = new Option<string>("--size", "-s") { HelpName = "SIZE", Description = "The new virtual size (B, KiB, MiB, GiB, TiB).", Required = true };
        var file = new Argument<string>("FILE") { Description = "A fixed or dynamic image without children." };
        var verb = new CliVerb("resize", "Change the virtual size of a fixed or dynamic disk (the partitions inside are not touched).", "resize") { Subject = file };
        return verb.Build([size, file], context =>
        {
            long bytes = DiskSize.Check(Offsets.Parse(context.Get(size)!, "--size"));
            DiskResizer.Resize(context.Get(file), bytes);
            string path = Path.GetFullPath(context.Get(file));
            context.Result(new Resized(path, bytes), $"{path} is now {bytes} bytes.");
            return ExitCodes.Success;
        });
    }
}
