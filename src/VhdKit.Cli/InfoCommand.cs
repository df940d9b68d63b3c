using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;

namespace VhdKit.Cli;

/// <summary><c>vhd info [--chain] [--json] FILE</c>: every footer, header, locator and chain fact.</summary>
internal static class InfoCommand
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Build()
    {
        var chain = new Option<bool>("--chain", "-c") { Description = "Resolve and show the whole parent chain, with how each parent was found." };
        var json = new Option<bool>("--json") { Description = "Print stable JSON instead of tables." };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var command = new Command("info", "Show everything a VHD's footer, header and locators hold, and its chain.") { chain, json, file };
        command.SetAction(result =>
        {
            try
            {
                InfoReport report = Read(result.GetValue(file)!, result.GetValue(chain));
                if (result.GetValue(json))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(report, Json));
                }
                else
                {
                    InfoRenderer.Render(report);
                }

                CliErrors.Warn(report.Warnings);

                return 0;
            }
            catch (Exception e)
            {
                return CliErrors.Report(e, Console.Error);
            }
        });
        return command;
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
