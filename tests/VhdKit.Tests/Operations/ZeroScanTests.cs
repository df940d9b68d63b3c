using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Tests.Operations;

/// <summary>
/// The copy engine's one zero scan (issue 13), which convert (whole chunks) and upload (512-byte pages) share:
/// <see cref="ZeroRuns"/> over a chunk, <see cref="ScannedChunk"/> reading one chunk once, and
/// <see cref="CopyEngine.CopySparse"/> leaving all-zero chunks unwritten. Each is checked against a byte-by-byte model.
/// </summary>
public class ZeroScanTests
{
    private const int Page = 512;

    [Fact]
    public void Runs_in_pages_are_maximal_alternate_and_cover_the_chunk()
    {
        byte[] chunk = new byte[16 * Page];
        chunk[(2 * Page) + 511] = 1; // page 2, its last byte
        chunk[3 * Page] = 2; // page 3, its first byte (joins page 2)
        chunk[(7 * Page) + 100] = 3; // page 7 alone
        chunk[15 * Page] = 4; // the last page

        List<ZeroRun> runs = Collect(chunk, Page);

        Assert.Equal(
            [new(0, 2 * Page, true), new(2 * Page, 2 * Page, false), new(4 * Page, 3 * Page, true), new(7 * Page, Page, false),
             new(8 * Page, 7 * Page, true), new(15 * Page, Page, false)],
            runs);
    }

    [Fact]
    public void A_short_last_grain_is_its_own_grain_and_an_all_zero_chunk_is_one_run()
    {
        byte[] chunk = new byte[(3 * Page) + 100];
        Assert.Equal([new ZeroRun(0, chunk.Length, true)], Collect(chunk, Page));

        chunk[(3 * Page) + 99] = 9;
        Assert.Equal([new ZeroRun(0, 3 * Page, true), new ZeroRun(3 * Page, 100, false)], Collect(chunk, Page));
        Assert.Empty(Collect([], Page));
    }

    [Fact]
    public void Runs_match_a_page_by_page_model_on_random_chunks()
    {
        var random = new Random(13);
        for (int round = 0; round < 200; round++)
        {
            byte[] chunk = new byte[random.Next(1, 40) * Page - random.Next(0, 2) * random.Next(1, Page)];
            for (int page = 0; page * Page < chunk.Length; page++)
            {
                if (random.Next(3) == 0)
                {
                    chunk[Math.Min(chunk.Length - 1, (page * Page) + random.Next(Page))] = (byte)random.Next(1, 256);
                }
            }

            List<ZeroRun> runs = Collect(chunk, Page);

            int at = 0;
            for (int i = 0; i < runs.Count; i++)
            {
                Assert.Equal(at, runs[i].Start);
                Assert.True(i == 0 || runs[i].IsZero != runs[i - 1].IsZero, "two neighbouring runs of the same kind");
                for (int page = runs[i].Start; page < runs[i].Start + runs[i].Length; page += Page)
                {
                    bool zero = !chunk.AsSpan(page, Math.Min(Page, chunk.Length - page)).ContainsAnyExcept((byte)0);
                    Assert.Equal(runs[i].IsZero, zero);
                }

                at += runs[i].Length;
            }

            Assert.Equal(chunk.Length, at);
        }
    }

    [Fact]
    public void A_scanned_chunk_reads_once_and_reads_zeros_past_the_end_of_the_source()
    {
        int reads = 0;
        long capacity = (2 * Page) + 100;

        using ScannedChunk chunk = ScannedChunk.Read((span, offset) => { reads++; Assert.Equal(Page, offset); Assert.Equal(Page + 100, span.Length); span.Fill(7); },
            Page, 2 * Page, capacity, maximumLength: 4 * Page);

        Assert.Equal(1, reads);
        Assert.Equal(2 * Page, chunk.Bytes.Count);
        Assert.All(chunk.Bytes.AsSpan(0, Page + 100).ToArray(), b => Assert.Equal(7, b));
        Assert.False(chunk.Bytes.AsSpan(Page + 100).ContainsAnyExcept((byte)0));
        Assert.Equal([new ZeroRun(0, 2 * Page, false)], chunk.Runs(Page));
    }

    [Fact]
    public void A_scanned_chunk_longer_than_its_bound_is_refused_before_anything_is_read()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ScannedChunk.Read((_, _) => Assert.Fail("read"), 0, 8 * Page, 16 * Page, maximumLength: 4 * Page));
    }

    [Fact]
    public void A_sparse_copy_reads_every_chunk_and_writes_only_those_that_are_not_all_zeros()
    {
        const int Chunk = CopyEngine.ChunkSize;
        var read = new List<long>();
        var written = new List<(long Offset, int Length)>();

        long copied = CopyEngine.CopySparse([new DiskExtent(0, 4L * Chunk, 0)], (chunk, offset) =>
        {
            read.Add(offset);
            chunk.Clear();
            if (offset == Chunk)
            {
                chunk[^1] = 1; // only the last byte of chunk 1
            }
        }, (chunk, offset) => written.Add((offset, chunk.Length)), null, CancellationToken.None);

        Assert.Equal(4L * Chunk, copied);
        Assert.Equal([0L, Chunk, 2L * Chunk, 3L * Chunk], read);
        Assert.Equal([(Chunk, Chunk)], written);
    }

    private static List<ZeroRun> Collect(byte[] chunk, int grain)
    {
        var runs = new List<ZeroRun>();
        foreach (ZeroRun run in new ZeroRuns(chunk, grain))
        {
            runs.Add(run);
        }

        return runs;
    }
}
