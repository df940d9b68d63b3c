using BenchmarkDotNet.Attributes;
using VhdKit.Format;

namespace VhdKit.Benchmarks;

/// <summary>
/// <see cref="SectorBitmap.CountRun"/> on a 2 MiB block's bitmap (4096 sectors), the question every layer of a chain
/// answers per run: a long clear run (a child that does not hold the range), a long set run (a base that does),
/// and a short run. The baseline is the byte-by-byte loop CountRun used before it scanned whole bytes vectorized.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class SectorBitmapBenchmarks
{
    private readonly byte[] _clear = new byte[512];
    private readonly byte[] _set = new byte[512];
    private readonly byte[] _mixed = new byte[512];

    public SectorBitmapBenchmarks()
    {
        Array.Fill(_set, (byte)0xFF);
        SectorBitmap.SetRange(_clear, 4000, 10, true);
        SectorBitmap.SetRange(_mixed, 16, 133, true);
    }

    [Benchmark(Baseline = true, Description = "byte-by-byte loop (before)")]
    public int ByteLoop() => ByteLoopCountRun(_clear, 3, 4093) + ByteLoopCountRun(_set, 0, 4096) + ByteLoopCountRun(_mixed, 20, 4076);

    [Benchmark(Description = "SectorBitmap.CountRun (vectorized scan)")]
    public int Vectorized() => SectorBitmap.CountRun(_clear, 3, 4093) + SectorBitmap.CountRun(_set, 0, 4096) + SectorBitmap.CountRun(_mixed, 20, 4076);

    /// <summary>CountRun as it was before the vectorized scan, kept for the comparison.</summary>
    private static int ByteLoopCountRun(ReadOnlySpan<byte> bitmap, int sector, int maxCount)
    {
        bool value = SectorBitmap.IsSet(bitmap, sector);
        byte whole = value ? (byte)0xFF : (byte)0;
        int end = sector + maxCount;
        int i = sector + 1;
        while (i < end)
        {
            if ((i & 7) == 0 && i + 8 <= end && bitmap[i >> 3] == whole)
            {
                i += 8;
                continue;
            }

            if (SectorBitmap.IsSet(bitmap, i) != value)
            {
                break;
            }

            i++;
        }

        return Math.Min(i, end) - sector;
    }
}
