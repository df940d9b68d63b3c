using System.Collections.Immutable;
using System.CommandLine;
using VhdKit.Cli.Output;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd repair [--dry-run] FILE</c>: fixes what <c>vhd check</c> marks repairable, in place and crash-safely, and
/// lists each action. Exit 0 when the file checks clean afterwards (in a dry run: when nothing unrepairable was
/// found), 2 when errors remain, 1 when the file could not be repaired at all.
/// </summary>
internal static class RepairCommand
{
    /// <summary>The result: each action (done or, in a dry run, planned) and whether the file is fine afterwards.</summary>
    internal sealed record Repaired(string Path, bool DryRun, IReadOnlyList<RepairAction> Actions, bool Fine);

    public static Command Build()
    {
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "List what would be done; change nothing." };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("repair", "Fix the repairable faults `vhd check` finds (end footer, footer copy, checksums, orphan tail, BAT entries outside the file).", "repair") { Subject = file };
        return verb.Build([dryRun, file], context =>
        {
            string path = context.Get(file);
            bool dry = context.Get(dryRun);
            ImmutableArray<RepairAction> actions = VhdRepairer.Repair(path, dry);
            CheckResult after = VhdChecker.Check(path);
            bool fine = dry ? after.IsClean || after.IsRepairable : after.IsClean;
            context.Result(new Repaired(Path.GetFullPath(path), dry, actions, fine), () =>
            {
                foreach (RepairAction action in actions)
                {
                    context.Say((dry ? "would: " : "done: ") + action.Description);
                }

                if (actions.IsEmpty)
                {
                    context.Say("Nothing to repair.");
                }
            });
            if (!fine)
            {
                context.Warn($"{path} still has faults repair cannot fix; see `vhd check {path}`.");
            }

            return fine ? ExitCodes.Success : CheckCommand.Faults;
        });
    }
}
