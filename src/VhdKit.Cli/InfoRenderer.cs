using System.Globalization;
using Spectre.Console;
using VhdKit.Cli.Output;
using VhdKit.Format;

namespace VhdKit.Cli;

/// <summary>Renders an <see cref="InfoDocument"/> as tables (the same facts as <c>--output=json</c>, for people).</summary>
internal static class InfoRenderer
{
    public static void Render(InfoDocument report)
    {
        if (report.VhdxImages is { } vhdx)
        {
            VhdxInfoRenderer.Render(vhdx);
            return;
        }

        foreach (ImageDocument image in report.Images)
        {
            RenderImage(image);
        }

        if (report.Images.Count > 1)
        {
            RenderChain(report);
        }
    }

    private static void RenderImage(ImageDocument image)
    {
        // The path on a line of its own, never cut: as a table title it was cut to the table's width.
        Console.Out.WriteLine(ConsoleText.Printable($"[{image.Depth}] {image.Filename}"));
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("Field");
        table.AddColumn("Value");
        FooterDocument f = image.Footer;
        Row(table, "Disk type", image.Subformat.ToString());
        Row(table, "Virtual size", SizeParser.Format(image.VirtualSize));
        Row(table, "File size", SizeParser.Format(image.FileLength));
        Row(table, "Unique id", f.UniqueId.ToString());
        Row(table, "Footer", $"{f.Source} at offset 0x{f.Offset:X}");
        Row(table, "Cookie", f.CookieValid ? "conectix" : "(invalid)");
        Row(table, "Features", ((FooterFeatures)f.Features).ToString());
        Row(table, "Format version", Hex32(f.FormatVersion));
        Row(table, "Data offset", f.DataOffset is { } dataOffset ? Hex(dataOffset) : "(none)");
        Row(table, "Timestamp", $"{f.Timestamp} ({f.TimestampSeconds})");
        Row(table, "Creator", $"'{f.CreatorApplication}' {f.CreatorVersion >> 16}.{f.CreatorVersion & 0xFFFF} on '{f.CreatorHostOs}'");
        Row(table, "Original size", Invariant(f.OriginalSize));
        Row(table, "Current size", Invariant(f.CurrentSize));
        GeometryDocument g = f.Geometry;
        Row(table, "Geometry (C/H/S)", $"{g.Cylinders}/{g.Heads}/{g.SectorsPerTrack} = {g.Capacity} bytes{(g.Maximum ? " (maximum: the current size applies)" : string.Empty)}");
        Row(table, "Checksum", $"{Hex32(f.Checksum)} ({(f.ChecksumValid ? "valid" : "INVALID")})");
        Row(table, "Saved state", f.SavedState ? "yes" : "no");
        if (image.DynamicHeader is { } h)
        {
            Row(table, "Header offset", $"0x{h.Offset:X}");
            Row(table, "Header version", Hex32(h.HeaderVersion));
            Row(table, "Header checksum", $"{Hex32(h.Checksum)} ({(h.ChecksumValid ? "valid" : "INVALID")})");
            Row(table, "BAT offset", Hex((long)h.TableOffset));
            Row(table, "BAT entries", Invariant(h.MaxTableEntries));
            Row(table, "Block size", SizeParser.Format(h.BlockSize));
            Row(table, "Allocated blocks", Invariant(h.AllocatedBlocks));
            if (image.Subformat == VhdDiskType.Differencing)
            {
                Row(table, "Parent id", h.ParentUniqueId.ToString());
                Row(table, "Parent timestamp", $"{h.ParentTimestamp ?? "(not recorded)"} ({h.ParentTimestampSeconds})");
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

            foreach (LocatorDocument l in image.ParentLocators)
            {
                locators.AddRow(new[] { Invariant(l.Index), l.Platform, $"{l.DataSpace} ({l.DataSpaceBytes} bytes)", Invariant(l.DataLength), Hex((long)l.DataOffset), l.Text ?? "(not text)" }
                    .Select(ConsoleText.Markup).ToArray());
            }

            AnsiConsole.Write(locators);
        }
    }

    /// <summary>
    /// The chain as lines, not a table: a table cell wraps a long path in the middle (and a copied path then breaks),
    /// so each image's path stands whole on its line, with how it was found on the lines under it.
    /// </summary>
    private static void RenderChain(InfoDocument report)
    {
        Console.Out.WriteLine("Chain (leaf first)");
        foreach (ImageDocument image in report.Images)
        {
            Console.Out.WriteLine(ConsoleText.Printable($"  [{image.Depth}] {image.Filename}"));
            if (image.Link is not { } link)
            {
                Console.Out.WriteLine("      the leaf");
                continue;
            }

            string timestamp = link.TimestampMatches switch { true => "timestamp matches", false => "timestamp DIFFERS", null => "timestamp not recorded" };
            Console.Out.WriteLine(ConsoleText.Printable($"      found via {link.FoundVia} '{link.LocatorText}'; id matches; {timestamp}"));
            foreach (AttemptDocument attempt in link.Attempts)
            {
                Console.Out.WriteLine(ConsoleText.Printable($"      tried {attempt.Source} {attempt.Filename ?? "(none)"}: {attempt.Outcome}"));
            }
        }
    }

    private static void Row(Table table, string field, string value) => table.AddRow(ConsoleText.Markup(field), ConsoleText.Markup(value));

    private static string Hex(long value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:X}");

    private static string Hex32(uint value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:X8}");

    private static string Invariant<T>(T value)
        where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
