using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Tests.Support;
using static VhdKit.Tests.Azure.PageBlobChecks;

namespace VhdKit.Tests.Azure;

/// <summary>
/// Upload on the copy engine's zero scan (issue 13): all-zero 512-byte pages inside allocated blocks are not sent,
/// each run of data pages within a 4 MiB window is one Put Page, and the blob read back is the disk.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class UploadZeroPageTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private const int Page = 512;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public UploadZeroPageTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(8)]
    public async Task Zero_pages_inside_allocated_blocks_are_not_sent_and_each_run_of_data_pages_in_a_window_is_one_put_page(int threads)
    {
        _azurite.Require();
        byte[] model = new byte[8 * MiB];
        string path = ImageFiles.Dynamic(_folder.File("zeros.vhd"), model.Length); // 2 MiB blocks
        using (var disk = VirtualDisk.Open(path))
        {
            // Block 0: ten data pages, two zero pages, one data page; block 0's last page and block 1's first (one run across the blocks).
            new Random(1).NextBytes(model.AsSpan(0, 10 * Page));
            model[(12 * Page) + 300] = 0x33;
            model[(2 * MiB) - 1] = 0x44;
            model[2 * MiB] = 0x55;
            disk.Write(model.AsSpan(0, 4 * MiB), 0);

            // Block 2 written whole with one byte of data; block 3 written with zeros but for its very last byte (the disk's).
            model[(5 * MiB) + 1000] = 0x66;
            model[^1] = 0x77;
            disk.Write(model.AsSpan(4 * MiB), 4 * MiB);
            disk.Flush();
        }

        BlobContainerClient container = _azurite.NewContainer();
        UploadResult result = await UploadOperation.RunAsync(new UploadRequest(path, _azurite.SasUrl(container, "zeros.vhd")) { Threads = threads });

        Assert.Equal(NonZeroPageBytes(model) + Page, result.BytesSent);
        Assert.Equal(NonZeroPageBytes(model) + Page, result.DataBytes);
        Assert.Equal(NonZeroPageBytes(model) + Page, PageRangeBytes(container.GetPageBlobClient("zeros.vhd")));
        Assert.Equal(DataRunsInWindows(model) + 1, result.PageWrites); // and the footer
        PageBlobChecks.AssertBlobIsFixedVhdOf(_folder, container, "zeros.vhd", model, path);
    }

    /// <summary>Runs of pages holding data, cut at every 4 MiB (a Put Page never crosses a window).</summary>
    private static int DataRunsInWindows(byte[] model)
    {
        int runs = 0;
        bool inRun = false;
        for (int page = 0; page < model.Length; page += Page)
        {
            bool data = model.AsSpan(page, Page).ContainsAnyExcept((byte)0);
            runs += data && (!inRun || page % (4 * MiB) == 0) ? 1 : 0;
            inRun = data;
        }

        return runs;
    }
}
