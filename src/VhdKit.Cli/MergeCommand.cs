using System.CommandLine;
using VhdKit.Cli.Output;
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
        var verb = new CliVerb("merge", "Merge a differencing disk into its parent (or an ancestor). Interrupted, it can be run again to complete.", "merge") { Subject = child };
        return verb.Build([into, delete, child], context =>
        {
            var options = new MergeOptions { Into = context.Get(into), DeleteMerged = context.Get(delete) };
            MergeResult merged = context.Track("merge", progress => DiskMerger.Merge(context.Get(child), options, progress, context.CancellationToken));
            context.Warn(merged.Warnings);
            context.Result(MergeDocument.From(context.Get(child), merged), () =>
            {
                context.Say($"Merged {merged.BytesMerged} bytes into {merged.Target}.");
                context.Say(merged.Deleted
                    ? $"Deleted {string.Join(", ", merged.Merged)}."
                    : $"{string.Join(", ", merged.Merged)} no longer belong on top of it (its content changed); delete them or use --delete-child.");
            });
            return ExitCodes.Success;
        });
    }
}
