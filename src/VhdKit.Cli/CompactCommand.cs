using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd compact FILE</c>: drops what reads as zeros (dynamic) or as the parent (differencing); the content stays the same.</summary>
internal static class CompactCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "A dynamic or differencing image (not in use)." };
        var verb = new CliVerb("compact", "Shrink a dynamic or differencing image: drop zero blocks, and sectors identical to the parent's.", "compact") { Subject = file };
        var cache = new CacheOptions();
        return verb.Build([.. cache.Symbols, file], context =>
        {
            cache.RefuseUnsafe(context, "compact replaces the image");
            CompactResult compacted = context.Track("compact", progress => CompactOperation.Run(new CompactRequest(context.Get(file)), progress, context.CancellationToken));
            context.Warn(compacted.Warnings);
            context.Result(CompactDocument.From(compacted), $"{compacted.SizeBefore} -> {compacted.SizeAfter} bytes; {compacted.BlocksBefore} -> {compacted.BlocksAfter} blocks.");
            return ExitCodes.Success;
        });
    }
}
