using System.Globalization;
using Spectre.Console;

namespace VhdKit.Cli;

/// <summary>Renders an <see cref="InfoReport"/> as tables.</summary>
internal static class InfoRenderer
{
    public static void Render(InfoReport report)
    {
        foreach (ImageReport image in report.Images)
        {
            RenderImage(image);
        }

        if (report.Images.Count > 1)
        {
            RenderChain(report);
        }
    }

    private static void RenderImage(ImageReport image)
    {
        // The path on a line of its own, never cut: as a table title it was cut to the table's width.
        Console.Out.WriteLine(ConsoleText.Printable($"[{image.Depth}] {image.Path}"));
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Field");
        table.AddColumn("Value");
        FooterReport f = image.Footer;
        Row(table, "Disk type", image.DiskType);
        Row(table, "Virtual size", SizeParser.Format(image.VirtualSize));
        Row(table, "File size", SizeParser.Format(image.FileSize));
        Row(table, "Unique id", f.UniqueId.ToString());
        Row(table, "Footer", $"{f.Source} at offset 0x{f.Offset:X}");
        Row(table, "Cookie", f.Cookie);
        Row(table, "Features", f.Features);
        Row(table, "Format version", f.FormatVersion);
        Row(table, "Data offset", f.DataOffset);
        Row(table, "Timestamp", $"{f.Timestamp} ({f.TimestampSeconds})");
        Row(table, "Creator", $"'{f.CreatorApplication}' {f.CreatorVersion} on '{f.CreatorHostOs}'");
        Row(table, "Original size", Invariant(f.OriginalSize));
        Row(table, "Current size", Invariant(f.CurrentSize));
        GeometryReport g = f.Geometry;
        Row(table, "Geometry (C/H/S)", $"{g.Cylinders}/{g.Heads}/{g.SectorsPerTrack} = {g.CapacityInBytes} bytes{(g.IsMaximum ? " (maximum: the current size applies)" : string.Empty)}");
        Row(table, "Checksum", $"{f.Checksum} ({(f.ChecksumValid ? "valid" : "INVALID")})");
        Row(table, "Saved state", f.SavedState == 0 ? "no" : "yes");
        if (image.DynamicHeader is { } h)
        {
            Row(table, "Header offset", $"0x{h.Offset:X}");
            Row(table, "Header version", h.HeaderVersion);
            Row(table, "Header checksum", $"{h.Checksum} ({(h.ChecksumValid ? "valid" : "INVALID")})");
            Row(table, "BAT offset", h.TableOffset);
            Row(table, "BAT entries", Invariant(h.MaxTableEntries));
            Row(table, "Block size", SizeParser.Format(h.BlockSize));
            Row(table, "Allocated blocks", Invariant(h.AllocatedBlocks));
            if (image.DiskType == "Differencing")
            {
                Row(table, "Parent id", h.ParentUniqueId.ToString());
                Row(table, "Parent timestamp", $"{h.ParentTimestamp} ({h.ParentTimestampSeconds})");
                Row(table, "Parent name", h.ParentName);
            }
        }

        AnsiConsole.Write(table);
        if (image.ParentLocators.Count > 0)
        {
            var locators = new Table().Border(TableBorder.Simple).Title("Parent locators");
            foreach (string column in new[] { "#", "Platform", "Data space", "Length", "Offset", "Text" })
            {
                locators.AddColumn(column);
            }

            foreach (LocatorReport l in image.ParentLocators)
            {
                locators.AddRow(new[] { Invariant(l.Index), l.Platform, $"{l.DataSpace} ({l.DataSpaceBytes} bytes)", Invariant(l.DataLength), l.DataOffset, l.Text ?? "(not text)" }
                    .Select(ConsoleText.Markup).ToArray());
            }

            AnsiConsole.Write(locators);
        }
    }

    /// <summary>
    /// The chain as lines, not a table: a table cell wraps a long path in the middle (and a copied path then breaks),
    /// so each image's path stands whole on its line, with how it was found on the lines under it.
    /// </summary>
    private static void RenderChain(InfoReport report)
    {
        Console.Out.WriteLine("Chain (leaf first)");
        foreach (ImageReport image in report.Images)
        {
            Console.Out.WriteLine(ConsoleText.Printable($"  [{image.Depth}] {image.Path}"));
            if (image.Link is not { } link)
            {
                Console.Out.WriteLine("      the leaf");
                continue;
            }

            string timestamp = link.TimestampMatches switch { true => "timestamp matches", false => "timestamp DIFFERS", null => "timestamp not recorded" };
            Console.Out.WriteLine(ConsoleText.Printable($"      found via {link.FoundVia} '{link.LocatorText}'; id matches; {timestamp}"));
            foreach (AttemptReport attempt in link.Attempts)
            {
                Console.Out.WriteLine(ConsoleText.Printable($"      tried {attempt.Source} {attempt.Path ?? "(none)"}: {attempt.Outcome}"));
            }
        }
    }

    private static void Row(Table table, string field, string value) => table.AddRow(ConsoleText.Markup(field), ConsoleText.Markup(value));

    private static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
