using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Operations;

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
        // The copy engine's plan (CopyChunks) over the ranges widened to pages, in 4 MiB chunks, touching pieces joined.
        long end = (capacity + PageBlobRules.PageSize - 1) / PageBlobRules.PageSize * PageBlobRules.PageSize;
        var pages = new List<DiskExtent>(ranges.Length);
        foreach (DiskExtent range in ranges)
        {
            long at = range.Offset / PageBlobRules.PageSize * PageBlobRules.PageSize;
            long stop = Math.Min(end, (range.Offset + range.Length + PageBlobRules.PageSize - 1) / PageBlobRules.PageSize * PageBlobRules.PageSize);
            if (at < stop)
            {
                pages.Add(new DiskExtent(at, stop - at, range.Layer));
            }
        }

        var windows = ImmutableArray.CreateBuilder<PageWindow>();
        var chunks = new CopyChunks(pages, PageBlobRules.MaximumPageWrite, joinTouching: true);
        while (chunks.Next(out long offset, out int count))
        {
            windows.Add(new PageWindow(offset, count));
        }

        return windows.ToImmutable();
    }
}
