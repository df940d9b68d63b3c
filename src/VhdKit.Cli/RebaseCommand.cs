using System.CommandLine;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd rebase --parent NEW CHILD [--ignore-id-mismatch]</c> (like <c>qemu-img rebase -u</c>) and
/// <c>vhd rebase --restamp CHILD</c>: repoint a child at its parent in a new place, or accept a parent whose
/// modification time changed. The disk's content is not touched.
/// </summary>
internal static class RebaseCommand
{
    public static Command Build()
    {
        var parent = new Option<string>("--parent", "-p") { Description = "The parent's new location." };
        var restamp = new Option<bool>("--restamp") { Description = "Keep the parent the child resolves to, and record its current modification time." };
        var ignore = new Option<bool>("--ignore-id-mismatch") { Description = "Accept a parent whose unique id differs (only if it really holds the same content)." };
        var child = new Argument<string>("CHILD") { Description = "The differencing disk." };
        var command = new Command("rebase", "Point a differencing disk at its parent in a new place (rewrites the locators, parent name and timestamp).") { parent, restamp, ignore, child };
        command.SetAction(result =>
        {
            try
            {
                string childPath = result.GetValue(child)!;
                string? newParent = result.GetValue(parent);
                if (result.GetValue(restamp) == (newParent is not null))
                {
                    throw new ArgumentException("Give either --parent NEW or --restamp.");
                }

                if (newParent is null)
                {
                    Console.Out.WriteLine($"{Path.GetFullPath(childPath)} now records the current time of {RebaseOperation.Run(RebaseRequest.Restamp(childPath)).Parent}.");
                    return 0;
                }

                CliErrors.Warn(RebaseOperation.Run(new RebaseRequest(childPath, newParent) { IgnoreIdMismatch = result.GetValue(ignore) }).Warnings);
                Console.Out.WriteLine($"{Path.GetFullPath(childPath)} now has parent {Path.GetFullPath(newParent)}.");
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
