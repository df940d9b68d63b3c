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
        // The path on a line of its own, never cut: a table title is cut to the table's width (an ellipsis).
        Console.Out.WriteLine($"[{image.Depth}] {image.Path}");
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
                    .Select(Markup.Escape).ToArray());
            }

            AnsiConsole.Write(locators);
        }
    }

    private static void RenderChain(InfoReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Chain (leaf first)");
        foreach (string column in new[] { "Depth", "Image", "Found via", "Id", "Timestamp", "Tried" })
        {
            table.AddColumn(column);
        }

        foreach (ImageReport image in report.Images)
        {
            LinkReport? link = image.Link;
            string tried = link is null ? string.Empty : string.Join("\n", link.Attempts.Select(a => $"{a.Source} {a.Path ?? "(none)"}: {a.Outcome}"));
            table.AddRow(
                Markup.Escape(Invariant(image.Depth)),
                Markup.Escape(image.Path),
                Markup.Escape(link is null ? "(leaf)" : $"{link.FoundVia} '{link.LocatorText}'"),
                link is null ? string.Empty : "match",
                link?.TimestampMatches switch { true => "match", false => "[yellow]differs[/]", null => string.Empty },
                Markup.Escape(tried));
        }

        AnsiConsole.Write(table);
    }

    private static void Row(Table table, string field, string value) => table.AddRow(Markup.Escape(field), Markup.Escape(value));

    private static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
