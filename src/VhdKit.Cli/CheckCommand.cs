using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VhdKit.Cli.Output;
using VhdKit.Images;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary>
/// <c>vhd check [--output json] [--chain] [-r leaks|all] FILE</c>: every fault of the image (and its chain), like <c>qemu-img check</c>.
/// Exit codes: 0 the image opens and reads (warnings allowed, some repairable), 2 faults found, 3 faults found and all of them repairable by
/// <c>vhd repair FILE</c>, 1 the file could not be checked at all.
/// </summary>
internal static class CheckCommand
{
    public const int Clean = 0;
    public const int Faults = 2;
    public const int Repairable = 3;

    public static Command Build()
    {
        var chain = new Option<bool>("--chain", "-c") { Description = "Also resolve and check every parent and each link (id, timestamp, size)." };
        var repair = new Option<string>("--repair", "-r")
        {
            HelpName = "leaks|all",
            Description = "qemu-img's check -r: first run `vhd repair` on the file (VhdKit repairs only what is safe, so leaks and all do the same), then check.",
        };
        repair.AcceptOnlyFromAmong("leaks", "all");
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("check", "List every fault of a VHD or VHDX (exit 0 clean, 2 faults, 3 all faults repairable with `vhd repair`).", "check") { Subject = file };
        return verb.Build([chain, repair, file], context =>
        {
            IReadOnlyList<RepairAction> repairs = [];
            CheckResult? afterRepair = null;
            if (context.Get(repair) is not null)
            {
                RepairResult repaired = context.Track("repair", progress => RepairOperation.Run(new RepairRequest(context.Get(file)), progress, context.CancellationToken));
                context.Warn(repaired.Warnings);
                foreach (RepairAction action in repaired.Actions)
                {
                    context.Say("repaired: " + action.Description);
                }

                repairs = repaired.Actions;
                afterRepair = repaired.After;
            }

            // A repair ends with the file's own check; only a chain check has more to do.
            CheckResult report = afterRepair is not null && !context.Get(chain) ? afterRepair : context.Track("check", progress =>
                CheckOperation.Run(new CheckRequest(context.Get(file)) { Chain = context.Get(chain) }, progress, context.CancellationToken));
            int exitCode = ExitCode(report);
            context.Result(CheckDocument.From(report, context.Get(chain), exitCode, repairs), () => Render(report));
            return exitCode;
        });
    }

    public static int ExitCode(CheckResult report) => report.IsClean ? Clean : report.IsRepairable ? Repairable : Faults;

    private static void Render(CheckResult report)
    {
        if (report.Faults.IsEmpty)
        {
            AnsiConsole.MarkupLine($"{ConsoleText.Markup(report.Path)}: no faults.");
            return;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumns("Severity", "Code", "Structure", "Offset", "Repairable", "Message");
        foreach (CheckFault fault in report.Faults)
        {
            table.AddRow(
                fault.Severity.ToString(),
                fault.Code.ToString(),
                ConsoleText.Markup(fault.File == report.Path ? fault.Structure : $"{fault.Structure} ({fault.File})"),
                fault.Offset < 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"0x{fault.Offset:X}"),
                fault.Repairable ? "yes" : "no",
                ConsoleText.Markup(fault.Message));
        }

        AnsiConsole.Write(table);
        int repairable = report.Faults.Count(f => f.Repairable);
        string verdict = report.IsClean
            ? repairable > 0 ? "opens and reads (warnings only; `vhd repair` fixes the repairable ones)" : "opens and reads (warnings only)"
            : report.IsRepairable ? "faults found; all of them repairable with `vhd repair`" : "faults found";
        AnsiConsole.MarkupLine(ConsoleText.Markup($"{report.Path}: {verdict}."));
    }
}
