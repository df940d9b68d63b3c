using System.Collections.Immutable;
using VhdKit.Chain;

namespace VhdKit.Azure;

/// <summary>
/// One ranged read of a download: a run of the blob's page ranges inside one <see cref="Size"/>-aligned window, so a
/// piece is at most <see cref="Size"/> bytes and the same blob always splits into the same pieces (what lets a resumed
/// download match the pieces an interrupted one recorded).
/// </summary>
/// <param name="Offset">Where the piece starts in the disk.</param>
/// <param name="Length">Its length in bytes (1 to <see cref="Size"/>).</param>
internal readonly record struct DownloadPiece(long Offset, int Length)
{
    /// <summary>The window a piece lies in: 4 MiB, the largest range Azure serves with a content hash.</summary>
    public const int Size = 4 << 20;

    /// <summary>The pieces covering <paramref name="extents"/> (sorted, not overlapping), in order.</summary>
    public static ImmutableArray<DownloadPiece> Plan(ImmutableArray<DiskExtent> extents)
    {
        var pieces = ImmutableArray.CreateBuilder<DownloadPiece>();
        foreach (DiskExtent extent in extents)
        {
            long offset = extent.Offset;
            long end = extent.Offset + extent.Length;
            while (offset < end)
            {
                long windowEnd = ((offset / Size) + 1) * Size;
                long pieceEnd = Math.Min(end, windowEnd);
                pieces.Add(new DownloadPiece(offset, (int)(pieceEnd - offset)));
                offset = pieceEnd;
            }
        }

        return pieces.ToImmutable();
    }
}
