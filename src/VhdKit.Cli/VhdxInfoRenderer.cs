using System.Globalization;
using Spectre.Console;
using VhdKit.Cli.Output;

namespace VhdKit.Cli;

/// <summary>Renders the VHDX images of an <see cref="InfoDocument"/> as tables (the same facts as <c>--output=json</c>).</summary>
internal static class VhdxInfoRenderer
{
    public static void Render(IReadOnlyList<VhdxImageDocument> images)
    {
        foreach (VhdxImageDocument image in images)
        {
            Console.Out.WriteLine(ConsoleText.Printable($"[{image.Depth}] {image.Filename}"));
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumn("Field");
            table.AddColumn("Value");
            Row(table, "Format", "VHDX");
            Row(table, "Disk type", image.Subformat.ToString());
            Row(table, "Virtual size", SizeParser.Format(image.VirtualSize));
            Row(table, "File size", SizeParser.Format(image.FileLength));
            Row(table, "Block size", SizeParser.Format(image.ClusterSize));
            Row(table, "Logical sector size", Invariant(image.LogicalSectorSize));
            Row(table, "Physical sector size", Invariant(image.PhysicalSectorSize));
            Row(table, "Virtual disk id", image.VirtualDiskId.ToString());
            Row(table, "Creator", image.Creator);
            Row(table, "LeaveBlockAllocated / HasParent", $"{image.LeaveBlockAllocated} / {image.HasParent}");
            foreach (VhdxHeaderDocument h in image.Headers)
            {
                string state = h.Valid ? (h.Index == image.CurrentHeader ? "current" : "valid") : $"INVALID (CRC {Hex(h.Checksum)} stored, {Hex(h.ComputedChecksum)} computed)";
                Row(table, $"Header {h.Index} (0x{h.Offset:X})", string.Create(CultureInfo.InvariantCulture,
                    $"{state}, sequence {h.SequenceNumber}, version {h.Version}, log version {h.LogVersion}; FileWriteGuid {h.FileWriteGuid}; DataWriteGuid {h.DataWriteGuid}; LogGuid {h.LogGuid}"));
            }

            string logState = image.Log.Pending
                ? string.Create(CultureInfo.InvariantCulture, $"{image.Log.ReplayedEntries} pending entries (sequence {image.Log.FirstSequence} to {image.Log.LastSequence}, {image.Log.ReplayedWrites} writes) replayed in memory, the file unchanged")
                : image.Log.LogGuid == Guid.Empty ? "empty (LogGuid zero)" : "LogGuid set but no complete entry: nothing to replay";
            Row(table, "Log", $"{SizeParser.Format(image.Log.Length)} at {Hex(image.Log.Offset)}; {logState}");
            foreach (VhdxRegionDocument r in image.Regions)
            {
                Row(table, $"Region {r.Name ?? r.Guid.ToString()}", string.Create(CultureInfo.InvariantCulture,
                    $"{SizeParser.Format(r.Length)} at {Hex(r.Offset)}{(r.Required ? ", required" : string.Empty)} (table copy {image.RegionTableCopy})"));
            }

            foreach (VhdxMetadataItemDocument m in image.MetadataItems)
            {
                Row(table, $"Metadata {m.Name ?? m.ItemId.ToString()}", string.Create(CultureInfo.InvariantCulture,
                    $"{m.Length} bytes at region+{Hex(m.Offset)}{(m.IsRequired ? ", required" : string.Empty)}{(m.IsVirtualDisk ? ", virtual disk" : string.Empty)}{(m.IsUser ? ", user" : string.Empty)}"));
            }

            foreach (VhdxLocatorEntryDocument entry in image.ParentLocator ?? [])
            {
                Row(table, $"Parent locator {entry.Key}", entry.Value);
            }

            if (image.FullBackingFilename is { } parent)
            {
                Row(table, "Parent found", parent);
            }

            string states = string.Join(", ", image.Bat.PayloadStates.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Value} {s.Key}")));
            Row(table, "BAT", string.Create(CultureInfo.InvariantCulture, $"{image.Bat.Entries} entries, chunk ratio {image.Bat.ChunkRatio}, {image.Bat.PayloadBlocks} payload blocks: ") + states);
            AnsiConsole.Write(table);
        }
    }

    private static void Row(Table table, string field, string value) => table.AddRow(ConsoleText.Markup(field), ConsoleText.Markup(value));

    private static string Hex(long value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:X}");

    private static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
