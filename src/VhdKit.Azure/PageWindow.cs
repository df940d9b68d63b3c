using System.Collections.Immutable;
using VhdKit.Chain;

namespace VhdKit.Azure;

/// <summary>
/// A piece of the disk that may hold data, within one 4 MiB-aligned window (so one read and at most one Put Page
/// per run of non-zero pages in it), widened to whole 512-byte pages.
/// </summary>
internal readonly record struct PageWindow(long Offset, int Length)
{
    /// <summary>
    /// The pieces of <paramref name="ranges"/> (in order) cut at 4 MiB boundaries and widened to pages, adjacent
    /// pieces of one window joined, clipped to <paramref name="capacity"/> rounded up to a page.
    /// </summary>
    public static ImmutableArray<PageWindow> Cut(ImmutableArray<DiskExtent> ranges, long capacity)
    {
        long end = (capacity + PageBlobRules.PageSize - 1) / PageBlobRules.PageSize * PageBlobRules.PageSize;
        var windows = ImmutableArray.CreateBuilder<PageWindow>();
        foreach (DiskExtent range in ranges)
        {
            long at = range.Offset / PageBlobRules.PageSize * PageBlobRules.PageSize;
            long stop = Math.Min(end, (range.Offset + range.Length + PageBlobRules.PageSize - 1) / PageBlobRules.PageSize * PageBlobRules.PageSize);
            while (at < stop)
            {
                long windowEnd = (at / PageBlobRules.MaximumPageWrite + 1) * PageBlobRules.MaximumPageWrite;
                long pieceEnd = Math.Min(stop, windowEnd);
                if (windows.Count > 0 && windows[^1] is var last && last.Offset + last.Length >= at
                    && last.Offset / PageBlobRules.MaximumPageWrite == at / PageBlobRules.MaximumPageWrite)
                {
                    windows[^1] = last with { Length = (int)(Math.Max(pieceEnd, last.Offset + last.Length) - last.Offset) };
                }
                else
                {
                    windows.Add(new PageWindow(at, (int)(pieceEnd - at)));
                }

                at = pieceEnd;
            }
        }

        return windows.ToImmutable();
    }
}
