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
    public static Command Build()
    {
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "List what would be done; change nothing." };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("repair", "Fix the repairable faults `vhd check` finds (VHD: end footer, footer copy, checksums, orphan tail, BAT entries outside the file; VHDX: pending log, damaged header or region table copy, BAT entries outside the file).", "repair") { Subject = file };
        var cache = new CacheOptions();
        return verb.Build([dryRun, .. cache.Symbols, file], context =>
        {
            cache.RefuseUnsafe(context, "repair changes the image");
            string path = context.Get(file);
            bool dry = context.Get(dryRun);
            context.Outcome = e => e is OperationCanceledException && !dry
                ? $"the repairs made before it stopped were flushed; run `vhd repair {path}` again to finish (`vhd check {path}` lists what is left)."
                : null;
            RepairResult repaired = context.Track("repair", progress => RepairOperation.Run(new RepairRequest(path) { DryRun = dry }, progress, context.CancellationToken));
            context.Warn(repaired.Warnings);
            context.Result(RepairDocument.From(repaired), () =>
            {
                foreach (RepairAction action in repaired.Actions)
                {
                    context.Say((dry ? "would: " : "done: ") + action.Description);
                }

                if (repaired.Actions.IsEmpty)
                {
                    context.Say("Nothing to repair.");
                }
            });
            if (!repaired.Fixed)
            {
                context.Warn($"{path} still has faults repair cannot fix; see `vhd check {path}`.");
            }

            return repaired.Fixed ? ExitCodes.Success : CheckCommand.Faults;
        });
    }
}
