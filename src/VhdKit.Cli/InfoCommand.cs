using System.CommandLine;
using VhdKit.Chain;
using VhdKit.Cli.Output;
using VhdKit.Images;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd info [--chain] [--output json] FILE</c>: every footer, header, locator and chain fact.</summary>
internal static class InfoCommand
{
    public static Command Build()
    {
        var chain = new Option<bool>("--chain", "-c", "--backing-chain") { Description = "Resolve and show the whole parent chain, with how each parent was found (qemu-img: --backing-chain)." };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("info", "Show everything a VHD's footer, header and locators hold, and its chain.", "inspect") { Subject = file };
        return verb.Build([chain, file], context =>
        {
            InfoReport report = Read(context.Get(file), context.Get(chain));
            context.Result(report, () => InfoRenderer.Render(report));
            context.Warn(report.Warnings);
            return ExitCodes.Success;
        });
    }

    internal static InfoReport Read(string path, bool chain)
    {
        InfoReport report;
        if (chain)
        {
            using VhdChain opened = VhdChain.Open(path);
            report = InfoReport.FromChain(opened);
        }
        else
        {
            using VhdImage image = VhdImage.Open(path);
            report = InfoReport.FromImage(image);
        }

        // A merge into this image that was interrupted: its content is partly merged.
        string fullPath = Path.GetFullPath(path);
        return MergeJournal.Read(fullPath) is { } journal
            ? report with { Warnings = [.. report.Warnings, MergeJournal.Describe(fullPath, journal)] }
            : report;
    }
}
