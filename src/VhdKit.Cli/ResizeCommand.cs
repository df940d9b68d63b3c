using System.CommandLine;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd resize --size SIZE FILE</c>: grow a fixed or dynamic disk, or shrink a dynamic one that holds nothing past the new end.</summary>
internal static class ResizeCommand
{
    public static Command Build()
    {
        var size = new Option<string>("--size", "-s") { Description = "The new virtual size (B, KiB, MiB, GiB, TiB).", Required = true };
        var file = new Argument<string>("FILE") { Description = "A fixed or dynamic image without children." };
        var command = new Command("resize", "Change the virtual size of a fixed or dynamic disk (the partitions inside are not touched).") { size, file };
        command.SetAction(result =>
        {
            try
            {
                long bytes = Offsets.Parse(result.GetValue(size)!, "--size");
                ResizeOperation.Run(new ResizeRequest(result.GetValue(file)!, bytes));
                Console.Out.WriteLine($"{Path.GetFullPath(result.GetValue(file)!)} is now {bytes} bytes.");
                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, Console.Error);
            }
        });
        return command;
    }
}
