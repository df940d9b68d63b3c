using System.CommandLine;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd merge CHILD [--into ANCESTOR] [--delete-child]</c>: writes a differencing disk's sectors into its parent.</summary>
internal static class MergeCommand
{
    public static Command Build()
    {
        var into = new Option<string>("--into") { Description = "Merge into this ancestor (the layers between are merged too, in one pass)." };
        var delete = new Option<bool>("--delete-child") { Description = "Delete the merged child (and the layers merged with it) once the merge is durable." };
        var child = new Argument<string>("CHILD") { Description = "The differencing disk to merge." };
        var command = new Command("merge", "Merge a differencing disk into its parent (or an ancestor). Interrupted, it can be run again to complete.") { into, delete, child };
        command.SetAction((result, cancellationToken) =>
        {
            try
            {
                MergeResult merged = null!;
                var request = new MergeRequest(result.GetValue(child)!) { Into = result.GetValue(into), DeleteMerged = result.GetValue(delete) };
                ProgressDisplay.Run("merge", progress => merged = MergeOperation.Run(request, progress, cancellationToken));
                CliErrors.Warn(merged.Warnings);
                Console.Out.WriteLine($"Merged {merged.BytesMerged} bytes into {merged.Target}.");
                Console.Out.WriteLine(!merged.Deleted.IsEmpty
                    ? $"Deleted {string.Join(", ", merged.Merged)}."
                    : $"{string.Join(", ", merged.Merged)} no longer belong on top of it (its content changed); delete them or use --delete-child.");
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
