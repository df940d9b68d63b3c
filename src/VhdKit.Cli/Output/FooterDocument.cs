using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Cli.Output;

/// <summary>Every field of the footer an image was opened with, as numbers (raw on-disk values) and names.</summary>
/// <param name="Source">Where it was read: <c>end</c> of the file, or <c>copy-at-offset-zero</c> when the end footer is damaged.</param>
/// <param name="Offset">Its offset in the file.</param>
/// <param name="CookieValid">Whether it starts with <c>conectix</c>.</param>
/// <param name="Features">The features field (bit 0 temporary, bit 1 always set).</param>
/// <param name="FormatVersion">The format version field (major in the high 16 bits: 65536 is 1.0).</param>
/// <param name="DataOffset">The data offset field: the dynamic header's offset, or <see langword="null"/> when it says "none" (all ones; fixed disks).</param>
/// <param name="Timestamp">The creation time, ISO 8601 UTC.</param>
/// <param name="TimestampSeconds">The raw field: seconds since 2000-01-01 UTC.</param>
/// <param name="CreatorApplication">The four-character creator application (<c>win </c>, <c>qemu</c>, <c>vpc </c>, ...).</param>
/// <param name="CreatorVersion">The creator version field (major in the high 16 bits).</param>
/// <param name="CreatorHostOs">The four-character creator host OS (<c>Wi2k</c>, <c>Mac </c>).</param>
/// <param name="OriginalSize">The original size field, in bytes.</param>
/// <param name="CurrentSize">The current size field, in bytes (the virtual size VhdKit uses).</param>
/// <param name="Geometry">The CHS geometry.</param>
/// <param name="DiskType">The disk type: <c>fixed</c>, <c>dynamic</c>, <c>differencing</c> (others are refused on opening).</param>
/// <param name="Checksum">The checksum field.</param>
/// <param name="ChecksumValid">Whether it matches the footer's bytes.</param>
/// <param name="UniqueId">The unique id a child names its parent by.</param>
/// <param name="SavedState">Whether the saved-state byte is set.</param>
internal sealed record FooterDocument(
    FooterSource Source,
    long Offset,
    bool CookieValid,
    uint Features,
    uint FormatVersion,
    long? DataOffset,
    string Timestamp,
    uint TimestampSeconds,
    string CreatorApplication,
    uint CreatorVersion,
    string CreatorHostOs,
    ulong OriginalSize,
    ulong CurrentSize,
    GeometryDocument Geometry,
    VhdDiskType DiskType,
    uint Checksum,
    bool ChecksumValid,
    Guid UniqueId,
    bool SavedState)
{
    public static FooterDocument From(VhdImage image)
    {
        VhdFooter f = image.Footer;
        return new FooterDocument(
            image.FooterSource,
            image.FooterOffset,
            f.HasValidCookie,
            (uint)f.Features,
            f.FormatVersion,
            f.HeaderOffset is { } offset ? (long)offset : null,
            JsonTime.Format(f.Timestamp),
            f.Timestamp,
            FourCharacterCode.ToDisplayString(f.CreatorApplication),
            f.CreatorVersion,
            FourCharacterCode.ToDisplayString(f.CreatorHostOs),
            f.OriginalSize,
            f.CurrentSize,
            GeometryDocument.From(f.Geometry),
            f.DiskType,
            f.Checksum,
            f.ChecksumMatches,
            f.UniqueId,
            f.SavedState != 0);
    }
}
