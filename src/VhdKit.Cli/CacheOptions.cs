using System.CommandLine;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// qemu-img's cache modes, <c>-t/--cache MODE</c>, and <c>--no-sync</c>: durable by default; <c>-t unsafe</c> or
/// <c>--no-sync</c> skip every fsync for scratch output (convert, create). Verbs that edit an image in place take the
/// same options only to refuse the unsafe mode in plain words: a crash without the flushes could corrupt the image.
/// </summary>
/// <param name="shortName">Whether <c>-t</c> names the cache mode (not in <c>create</c>, where it is <c>--type</c>).</param>
internal sealed class CacheOptions(bool shortName = true)
{
    /// <summary>qemu-img's <c>-t</c>.</summary>
    public Option<string> Cache { get; } = new("--cache", shortName ? ["-t"] : [])
    {
        HelpName = "MODE",
        Description = "qemu-img's cache mode: writeback (default; also writethrough, none, directsync) makes the result durable before the command returns; unsafe skips every fsync.",
    };

    /// <summary>The same as <c>-t unsafe</c>.</summary>
    public Option<bool> NoSync { get; } = new("--no-sync") { Description = "Skip every fsync (the same as -t unsafe): for scratch files a crash may lose." };

    /// <summary>The options, for <see cref="CliVerb.Build(IEnumerable{Symbol}, Func{Output.VerbContext, int})"/>.</summary>
    public IEnumerable<Symbol> Symbols => [Cache, NoSync];

    /// <summary>The mode asked for.</summary>
    /// <exception cref="ArgumentException">A mode qemu-img does not have.</exception>
    public SyncMode SyncOf(Output.VerbContext context)
    {
        string? mode = context.Get(Cache)?.Trim().ToLowerInvariant();
        SyncMode fromCache = mode switch
        {
            null or "writeback" or "writethrough" or "none" or "directsync" => SyncMode.Durable,
            "unsafe" => SyncMode.None,
            _ => throw new ArgumentException($"-t {context.Get(Cache)}: expected a cache mode: writeback (the default), writethrough, none, directsync or unsafe."),
        };
        return context.Get(NoSync) ? SyncMode.None : fromCache;
    }

    /// <summary>Refuses <c>-t unsafe</c> and <c>--no-sync</c> for a verb that edits an image in place.</summary>
    /// <param name="context">The verb's context.</param>
    /// <param name="edit">What the verb changes in place, for the message (<c>merge writes into the parent</c>).</param>
    /// <exception cref="ArgumentException">The unsafe mode was asked for (or a mode qemu-img does not have).</exception>
    public void RefuseUnsafe(Output.VerbContext context, string edit)
    {
        if (SyncOf(context) == SyncMode.None)
        {
            string given = context.Get(NoSync) ? "--no-sync" : "-t unsafe";
            throw new ArgumentException(
                $"{given} is refused: {edit} in place, and without its flushes a crash or power loss could leave the image corrupt. " +
                "Only convert and create, which write a new file, skip them.");
        }
    }
}
