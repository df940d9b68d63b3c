using System.CommandLine;
using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd convert [--format raw|fixed|dynamic] SRC DST</c>: flattens a chain into a standalone image.</summary>
internal static class ConvertCommand
{
    public static Command Build()
    {
        var format = new Option<string>("--format", "-f") { Description = "raw, fixed or dynamic (default dynamic).", DefaultValueFactory = _ => "dynamic" };
        format.AcceptOnlyFromAmong("raw", "fixed", "dynamic");
        var source = new Argument<string>("SRC") { Description = "The image (a differencing disk is read through its parents)." };
        var target = new Argument<string>("DST") { Description = "The new file; never overwritten." };
        var command = new Command("convert", "Flatten an image and its parents into a new raw, fixed or dynamic image (sparse; the source is only read).") { format, source, target };
        command.SetAction((result, cancellationToken) =>
        {
            try
            {
                ConvertFormat kind = Enum.Parse<ConvertFormat>(result.GetValue(format)!, ignoreCase: true);
                string destination = result.GetValue(target)!;
                ConvertResult converted = null!;
                ProgressDisplay.Run($"convert to {kind.ToString().ToLowerInvariant()}", progress =>
                    converted = ConvertOperation.Run(new ConvertRequest(result.GetValue(source)!, destination) { TargetFormat = kind }, progress, cancellationToken));
                CliErrors.Warn(converted.Warnings);
                Console.Out.WriteLine($"Wrote {Path.GetFullPath(destination)} ({kind.ToString().ToLowerInvariant()}, {converted.VirtualSize} bytes)");
                return Task.FromResult(0);
            }
            catch (Exception e)
            {
                return Task.FromResult(CliErrors.Report(e, Console.Error));
            }
        });
        return command;
    }
}
