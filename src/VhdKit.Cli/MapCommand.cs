using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VhdKit.Chain;
using VhdKit.Cli.Output;

namespace VhdKit.Cli;

/// <summary><c>vhd map [--output json] FILE</c>: which layer of the chain holds each extent (like <c>qemu-img map</c>).</summary>
internal static class MapCommand
{
    internal sealed record Extent(long Offset, long Length, int Layer, string? File, bool Allocated);

    public static Command Build()
    {
        var file = new Argument<string>("FILE") { Description = "The image." };
        var verb = new CliVerb("map", "Show which layer of the chain holds each extent of the disk (zeros where none does).", "map") { Subject = file };
        return verb.Build([file], context =>
        {
            using VirtualDisk disk = VirtualDisk.Open(context.Get(file), new VirtualDiskOptions { ReadOnly = true });
            context.Warn(disk.Warnings);
            Extent[] extents = [.. disk.GetExtents().Select(e => new Extent(e.Offset, e.Length, e.Layer,
                e.IsAllocated ? Path.GetFullPath(disk.Layers[e.Layer].Path) : null, e.IsAllocated))];
            context.Result(extents, () => Render(extents));
            return ExitCodes.Success;
        });
    }

    private static void Render(Extent[] extents)
    {
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
    }
}
