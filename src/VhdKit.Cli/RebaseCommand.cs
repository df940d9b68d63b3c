using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd rebase --parent NEW CHILD [--ignore-id-mismatch]</c> (like <c>qemu-img rebase -u</c>) and
/// <c>vhd rebase --restamp CHILD</c>: repoint a child at its parent in a new place, or accept a parent whose
/// modification time changed. The disk's content is not touched.
/// </summary>
internal static class RebaseCommand
{
    /// <summary>The result: the child and the parent it now records.</summary>
    internal sealed record Rebased(string Path, string Parent, bool Restamped);

    public static Command Build()
    {
        var parent = new Option<string>("--parent") { HelpName = "PARENT", Description = "The parent's new location." };
        var restamp = new Option<bool>("--restamp") { Description = "Keep the parent the child resolves to, and record its current modification time." };
        var ignore = new Option<bool>("--ignore-id-mismatch") { Description = "Accept a parent whose unique id differs (only if it really holds the same content)." };
        var child = new Argument<string>("CHILD") { Description = "The differencing disk." };
        var verb = new CliVerb("rebase", "Point a differencing disk at its parent in a new place (rewrites the locators, parent name and timestamp).", "rebase") { Subject = child };
        return verb.Build([parent, restamp, ignore, child], context =>
        {
            string childPath = context.Get(child);
            string fullPath = Path.GetFullPath(childPath);
            string? newParent = context.Get(parent);
            if (context.Get(restamp) == (newParent is not null))
            {
                throw new ArgumentException("give either --parent NEW or --restamp.");
            }

            if (newParent is null)
            {
                string current = Reparenter.Restamp(childPath);
                context.Result(new Rebased(fullPath, current, true), $"{fullPath} now records the current time of {current}.");
                return ExitCodes.Success;
            }

            context.Warn(Reparenter.Rebase(childPath, newParent, new RebaseOptions { IgnoreIdMismatch = context.Get(ignore) }));
            context.Result(new Rebased(fullPath, Path.GetFullPath(newParent), false), $"{fullPath} now has parent {Path.GetFullPath(newParent)}.");
            return ExitCodes.Success;
        });
    }
}
