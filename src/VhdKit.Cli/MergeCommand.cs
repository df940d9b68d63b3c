using System.CommandLine;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Formats;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd merge CHILD [--into ANCESTOR] [--delete-child]</c>: writes a differencing disk's sectors into its parent.</summary>
internal static class MergeCommand
{
    public static Command Build()
    {
        var into = new Option<string>("--into") { HelpName = "ANCESTOR", Description = "Merge into this ancestor (the layers between are merged too, in one pass)." };
        var delete = new Option<bool>("--delete-child") { Description = "Delete the merged child (and the layers merged with it) once the merge is durable." };
        var child = new Argument<string>("CHILD") { Description = "The differencing disk to merge." };
        var verb = new CliVerb("merge", "Merge a differencing disk into its parent (or an ancestor). Interrupted, it can be run again to complete.", "merge") { Subject = child };
        var cache = new CacheOptions();
        return verb.Build([into, delete, .. cache.Symbols, child], context =>
        {
            cache.RefuseUnsafe(context, "merge writes into the parent");
            var request = new MergeRequest(context.Get(child)) { Into = context.Get(into), DeleteMerged = context.Get(delete) };
            context.Outcome = _ => WhatIsLeft(request.Child, request.Into);
            MergeResult merged = context.Track("merge", progress => MergeOperation.Run(request, progress, context.CancellationToken));
            context.Warn(merged.Warnings);
            context.Result(MergeDocument.From(merged), () =>
            {
                context.Say($"Merged {merged.BytesMerged} bytes into {merged.Target}.");
                context.Say(!merged.Deleted.IsEmpty ? $"Deleted {string.Join(", ", merged.Merged)}." : Leftover(merged));
            });
            return ExitCodes.Success;
        });
    }

    /// <summary>
    /// After a failure or Ctrl+C: an interrupted merge's journal and the command that completes it, or
    /// <see langword="null"/> when no merge was begun (nothing was left behind).
    /// </summary>
    internal static string? WhatIsLeft(string child, string? into)
    {
        string? target = into is null ? ParentOf(child) : Path.GetFullPath(into);
        return target is not null && MergeJournal.Read(target) is { } entry ? MergeJournal.Describe(target, entry) : null;
    }

    /// <summary>The child's parent as its chain resolves it (VHD or VHDX), or <see langword="null"/> when it cannot be opened.</summary>
    private static string? ParentOf(string child)
    {
        try
        {
            if (ImageFormatProbe.Detect(child) == ImageFormat.Vhdx)
            {
                using VhdxChain vhdx = VhdxChain.Open(child);
                return vhdx.Images.Length > 1 ? vhdx.Images[1].Path : null;
            }

            using VhdChain chain = VhdChain.Open(child);
            return chain.Links.Length > 1 ? chain.Links[1].Image.Path : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ParentResolutionException)
        {
            // The error itself is reported; this only looks for a journal to mention.
            return null;
        }
    }

    /// <summary>
    /// What to do with the merged layers kept: VHD ones read the same as before, but their data is in the target now;
    /// VHDX ones no longer open on the target (its DataWriteGuid changed).
    /// </summary>
    private static string Leftover(MergeResult merged) => merged.Format == ImageFormat.Vhdx
        ? $"{string.Join(", ", merged.Merged)} no longer {(merged.Merged.Length == 1 ? "opens" : "open")} on {merged.Target}: the merge gave it a new DataWriteGuid (MS-VHDX requires one before its data changes), which {(merged.Merged.Length == 1 ? "its" : "their")} parent_linkage does not name; {(merged.Merged.Length == 1 ? "its" : "their")} data is now in {merged.Target}: delete {(merged.Merged.Length == 1 ? "it" : "them")} (or merge with --delete-child)."
        : merged.Merged.Length == 1
        ? $"{merged.Merged[0]} still reads the same but is no longer needed: its data is now in {merged.Target}; delete it (or merge with --delete-child)."
        : $"{string.Join(", ", merged.Merged)} still read the same but are no longer needed: their data is now in {merged.Target}; delete them (or merge with --delete-child).";
}
