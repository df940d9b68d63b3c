using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VhdKit.Chain;

namespace VhdKit.Cli;

/// <summary><c>vhd map [--json] FILE</c>: which layer of the chain holds each extent (like <c>qemu-img map</c>).</summary>
internal static class MapCommand
{
    internal sealed record Extent(long Offset, long Length, int Layer, string? File, bool Allocated);

    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print stable JSON instead of a table." };
        var file = new Argument<string>("FILE") { Description = "The image." };
        var command = new Command("map", "Show which layer of the chain holds each extent of the disk (zeros where none does).") { json, file };
        command.SetAction(result =>
        {
            try
            {
                using VirtualDisk disk = VirtualDisk.Open(result.GetValue(file)!, new VirtualDiskOptions { ReadOnly = true });
                CliErrors.Warn(disk.Warnings);
                Extent[] extents = [.. disk.GetExtents().Select(e => new Extent(e.Offset, e.Length, e.Layer,
                    e.IsAllocated ? Path.GetFullPath(disk.Layers[e.Layer].Path) : null, e.IsAllocated))];
                if (result.GetValue(json))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(extents, InfoCommand.Json));
                    return 0;
                }

                var table = new Table().Border(TableBorder.Simple).AddColumns("Offset", "Length", "Layer", "File");
                foreach (Extent e in extents)
                {
                    table.AddRow(
                        string.Create(CultureInfo.InvariantCulture, $"0x{e.Offset:X}"),
                        string.Create(CultureInfo.InvariantCulture, $"0x{e.Length:X}"),
                        e.Allocated ? e.Layer.ToString(CultureInfo.InvariantCulture) : "-",
                        ConsoleText.Markup(e.File ?? "(zeros)"));
                }

                AnsiConsole.Write(table);
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
