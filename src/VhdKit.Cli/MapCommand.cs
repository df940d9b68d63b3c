using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VhdKit.Chain;
using VhdKit.Cli.Output;

namespace VhdKit.Cli;

/// <summary><c>vhd map [--output json] FILE</c>: which layer of the chain holds each extent (like <c>qemu-img map</c>).</summary>
internal static class MapCommand
{
    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("map", "Show which layer of the chain holds each extent of the disk (zeros where none does).", "map") { Subject = file };
        return verb.Build([file], context =>
        {
            using VirtualDisk disk = VirtualDisk.Open(context.Get(file), new VirtualDiskOptions { ReadOnly = true });
            context.Warn(disk.Warnings);
            MapDocument map = MapDocument.From(disk);
            context.Result(map, () => Render(map.Extents));
            return ExitCodes.Success;
        });
    }

    private static void Render(IReadOnlyList<ExtentDocument> extents)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns("Offset", "Length", "Layer", "File");
        foreach (ExtentDocument e in extents)
        {
            table.AddRow(
                string.Create(CultureInfo.InvariantCulture, $"0x{e.Start:X}"),
                string.Create(CultureInfo.InvariantCulture, $"0x{e.Length:X}"),
                e.Depth is { } depth ? depth.ToString(CultureInfo.InvariantCulture) : "-",
                ConsoleText.Markup(e.Filename ?? "(zeros)"));
        }

        AnsiConsole.Write(table);
    }
}
