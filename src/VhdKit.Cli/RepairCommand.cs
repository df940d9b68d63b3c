using System.Collections.Immutable;
using System.CommandLine;
using Spectre.Console;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd repair [--dry-run] FILE</c>: fixes what <c>vhd check</c> marks repairable, in place and crash-safely, and
/// lists each action. Exit 0 when the file checks clean afterwards (in a dry run: when nothing unrepairable was
/// found), 2 when errors remain, 1 when the file could not be repaired at all.
/// </summary>
internal static class RepairCommand
{
    public static Command Build()
    {
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "List what would be done; change nothing." };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var command = new Command("repair", "Fix the repairable faults `vhd check` finds (end footer, footer copy, checksums, orphan tail, BAT entries outside the file).") { dryRun, file };
        command.SetAction(result =>
        {
            try
            {
                string path = result.GetValue(file)!;
                bool dry = result.GetValue(dryRun);
                RepairResult repaired = RepairOperation.Run(new RepairRequest(path) { DryRun = dry });
                ImmutableArray<RepairAction> actions = repaired.Actions;
                foreach (RepairAction action in actions)
                {
                    AnsiConsole.MarkupLine(ConsoleText.Markup((dry ? "would: " : "done: ") + action.Description));
                }

                if (actions.IsEmpty)
                {
                    AnsiConsole.MarkupLine("Nothing to repair.");
                }

                CheckResult after = repaired.After;
                bool fine = dry ? after.IsClean || after.IsRepairable : after.IsClean;
                if (!fine)
                {
                    Console.Error.WriteLine($"vhd: {path} still has faults repair cannot fix; see `vhd check {path}`.");
                }

                return fine ? 0 : CheckCommand.Faults;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, Console.Error);
            }
        });
        return command;
    }
}
