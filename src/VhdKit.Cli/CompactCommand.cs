using System.CommandLine;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd compact FILE</c>: drops what reads as zeros (dynamic) or as the parent (differencing); the content stays the same.</summary>
internal static class CompactCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "A dynamic or differencing image (not in use)." };
        var command = new Command("compact", "Shrink a dynamic or differencing image: drop zero blocks, and sectors identical to the parent's.") { file };
        command.SetAction((result, cancellationToken) =>
        {
            try
            {
                CompactResult compacted = null!;
                ProgressDisplay.Run("compact", progress => compacted = CompactOperation.Run(new CompactRequest(result.GetValue(file)!), progress, cancellationToken));
                Console.Out.WriteLine($"{compacted.SizeBefore} -> {compacted.SizeAfter} bytes; {compacted.BlocksBefore} -> {compacted.BlocksAfter} blocks.");
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
