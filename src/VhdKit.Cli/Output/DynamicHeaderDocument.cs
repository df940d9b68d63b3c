using VhdKit.Format;
using VhdKit.Images;

namespace VhdKit.Cli.Output;

/// <summary>Every field of a dynamic or differencing disk's header, as numbers (raw on-disk values) and names.</summary>
/// <param name="Offset">Its offset in the file.</param>
/// <param name="CookieValid">Whether it starts with <c>cxsparse</c>.</param>
/// <param name="TableOffset">The offset of the block allocation table.</param>
/// <param name="HeaderVersion">The header version field (major in the high 16 bits: 65536 is 1.0).</param>
/// <param name="MaxTableEntries">The number of BAT entries.</param>
/// <param name="BlockSize">The block size, in bytes.</param>
/// <param name="Checksum">The checksum field.</param>
/// <param name="ChecksumValid">Whether it matches the header's bytes.</param>
/// <param name="ParentUniqueId">The parent's unique id (all zeros on a dynamic disk).</param>
/// <param name="ParentTimestamp">The parent's modification time the child recorded, ISO 8601 UTC; <see langword="null"/> when 0 (not recorded).</param>
/// <param name="ParentTimestampSeconds">The raw field: seconds since 2000-01-01 UTC.</param>
/// <param name="ParentName">The parent's file name (UTF-16), empty on a dynamic disk.</param>
/// <param name="AllocatedBlocks">The BAT entries that name a block.</param>
internal sealed record DynamicHeaderDocument(
    long Offset,
    bool CookieValid,
    ulong TableOffset,
    uint HeaderVersion,
    uint MaxTableEntries,
    uint BlockSize,
    uint Checksum,
    bool ChecksumValid,
    Guid ParentUniqueId,
    string? ParentTimestamp,
    uint ParentTimestampSeconds,
    string ParentName,
    int AllocatedBlocks)
{
    public static DynamicHeaderDocument From(VhdImage image, DynamicHeader h) => new(
        (long)image.Footer.HeaderOffset!.Value,
        h.HasValidCookie,
        h.TableOffset,
        h.HeaderVersion,
        h.MaxTableEntries,
        h.BlockSize,
        h.Checksum,
        h.ChecksumMatches,
        h.ParentUniqueId,
        h.ParentTimestamp == 0 ? null : JsonTime.Format(h.ParentTimestamp),
        h.ParentTimestamp,
        h.ParentName,
        image.Bat?.AllocatedCount() ?? 0);
}
