using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Cli;

/// <summary>What <c>vhd info</c> reports, as plain records: rendered as tables, or serialized as stable JSON.</summary>
internal sealed record InfoReport(string Path, IReadOnlyList<ImageReport> Images, IReadOnlyList<string> Warnings)
{
    public static InfoReport FromImage(VhdImage image) =>
        new(image.Path, [ImageReport.From(image, null)], [.. image.Warnings]);

    public static InfoReport FromChain(VhdChain chain) =>
        new(chain.Leaf.Path, [.. chain.Links.Select(link => ImageReport.From(link.Image, link))], [.. chain.Warnings]);
}

internal sealed record ImageReport(
    int Depth,
    string Path,
    string DiskType,
    long VirtualSize,
    long FileSize,
    FooterReport Footer,
    HeaderReport? DynamicHeader,
    IReadOnlyList<LocatorReport> ParentLocators,
    LinkReport? Link)
{
    public static ImageReport From(VhdImage image, ChainLink? link)
    {
        DynamicHeader? header = image.Header;
        return new ImageReport(
            link?.Depth ?? 0,
            System.IO.Path.GetFullPath(image.Path),
            image.DiskType.ToString(),
            image.Capacity,
            image.FileLength,
            FooterReport.From(image),
            header is { } h ? HeaderReport.From(image, h) : null,
            [.. image.Locators.Select(LocatorReport.From)],
            link is { FoundVia: not null } ? LinkReport.From(link) : null);
    }
}

internal sealed record FooterReport(
    string Source,
    long Offset,
    string Cookie,
    string Features,
    string FormatVersion,
    string DataOffset,
    string Timestamp,
    uint TimestampSeconds,
    string CreatorApplication,
    string CreatorVersion,
    string CreatorHostOs,
    ulong OriginalSize,
    ulong CurrentSize,
    GeometryReport Geometry,
    string DiskType,
    string Checksum,
    bool ChecksumValid,
    Guid UniqueId,
    int SavedState)
{
    public static FooterReport From(VhdImage image)
    {
        VhdFooter f = image.Footer;
        return new FooterReport(
            image.FooterSource.ToString(),
            image.FooterOffset,
            f.HasValidCookie ? "conectix" : "(invalid)",
            f.Features.ToString(),
            Hex32(f.FormatVersion),
            f.HeaderOffset is { } offset ? Hex(offset) : Hex(f.DataOffset) + " (none)",
            Iso(f.CreatedAt),
            f.Timestamp,
            FourCharacterCode.ToDisplayString(f.CreatorApplication),
            string.Create(CultureInfo.InvariantCulture, $"{f.CreatorVersion >> 16}.{f.CreatorVersion & 0xFFFF}"),
            FourCharacterCode.ToDisplayString(f.CreatorHostOs),
            f.OriginalSize,
            f.CurrentSize,
            GeometryReport.From(f.Geometry),
            f.DiskType.ToString(),
            Hex32(f.Checksum),
            f.ChecksumMatches,
            f.UniqueId,
            f.SavedState);
    }

    internal static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:X}");

    internal static string Hex32(uint value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:X8}");

    internal static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

internal sealed record GeometryReport(int Cylinders, int Heads, int SectorsPerTrack, long CapacityInBytes, bool IsMaximum)
{
    public static GeometryReport From(DiskGeometry g) => new(g.Cylinders, g.Heads, g.SectorsPerTrack, g.CapacityInBytes, g.IsMaximum);
}

internal sealed record HeaderReport(
    long Offset,
    string TableOffset,
    string HeaderVersion,
    uint MaxTableEntries,
    int BlockSize,
    string Checksum,
    bool ChecksumValid,
    Guid ParentUniqueId,
    string ParentTimestamp,
    uint ParentTimestampSeconds,
    string ParentName,
    int AllocatedBlocks)
{
    public static HeaderReport From(VhdImage image, DynamicHeader h) => new(
        (long)image.Footer.HeaderOffset!.Value,
        FooterReport.Hex(h.TableOffset),
        FooterReport.Hex32(h.HeaderVersion),
        h.MaxTableEntries,
        (int)h.BlockSize,
        FooterReport.Hex32(h.Checksum),
        h.ChecksumMatches,
        h.ParentUniqueId,
        h.ParentTimestamp == 0 ? string.Empty : FooterReport.Iso(h.ParentModifiedAt),
        h.ParentTimestamp,
        h.ParentName,
        image.Bat?.AllocatedCount() ?? 0);
}

internal sealed record LocatorReport(int Index, string Platform, uint DataSpace, long DataSpaceBytes, uint DataLength, string DataOffset, string? Text)
{
    public static LocatorReport From(ParentLocator l) => new(
        l.Index,
        FourCharacterCode.ToDisplayString((uint)l.Platform),
        l.Entry.PlatformDataSpace,
        l.Entry.DataSpaceInBytes,
        l.Entry.PlatformDataLength,
        FooterReport.Hex(l.Entry.PlatformDataOffset),
        l.Text);
}

internal sealed record LinkReport(string FoundVia, string LocatorText, bool IdMatches, bool? TimestampMatches, IReadOnlyList<AttemptReport> Attempts)
{
    public static LinkReport From(ChainLink link) => new(
        link.FoundVia!.Source,
        link.FoundVia.Text,
        true,
        link.TimestampMatches,
        [.. link.Attempts.Select(a => new AttemptReport(a.Source, a.Text, a.Path, a.Outcome.ToString(), a.Detail))]);
}

internal sealed record AttemptReport(string Source, string Text, string? Path, string Outcome, string Detail);
