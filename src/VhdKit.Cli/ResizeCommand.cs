using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd resize --size SIZE FILE</c>: grow a fixed or dynamic disk, or shrink a dynamic one that holds nothing past the new end.</summary>
internal static class ResizeCommand
{
    /// <summary>The result: the file and its new virtual size.</summary>

    public static Command Build()
    {
        var size = new Option<string>("--size", "-s") { Description = "The new virtual size (B, KiB, MiB, GiB, TiB).", Required = true };
        var file = new Argument<string>("FILE") { Description = "A fixed or dynamic image without children." };
        var verb = new CliVerb("resize", "Change the virtual size of a fixed or dynamic disk (the partitions inside are not touched).", "resize") { Subject = file };
        return verb.Build([size, file], context =>
        {
            long bytes = Offsets.Parse(context.Get(size)!, "--size");
            string path = Path.GetFullPath(context.Get(file));
            long before = ImageFileDocument.Read(path).VirtualSize;
            DiskResizer.Resize(path, bytes);
            ImageFileDocument after = ImageFileDocument.Read(path);
            context.Result(new ResizeDocument(path, before, after.VirtualSize, after.FileLength), $"{path} is now {bytes} bytes.");
            return ExitCodes.Success;
        });
    }
}
