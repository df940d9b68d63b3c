using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using static VhdKit.Tests.Azure.PageBlobChecks;

namespace VhdKit.Tests.Azure;

/// <summary>
/// Resuming an interrupted upload against Azurite: the journal in the blob's metadata says which windows are done, the
/// same upload run again sends only the rest (at most one window per thread more), and another source is refused.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class UploadResumeTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public UploadResumeTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Upload_cli_killed_half_way_and_run_again_resumes_sending_only_the_rest_plus_one_window_per_thread()
    {
        _azurite.Require();
        const int threads = 2;
        string raw = _folder.File("big.raw");
        var model = new byte[256 * MiB];
        new Random(1515).NextBytes(model);
        File.WriteAllBytes(raw, model);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "resumed.vhd");
        PageBlobClient blob = container.GetPageBlobClient("resumed.vhd");

        using (InterruptedRun run = InterruptedRun.Vhd(_folder.Path, "upload", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), raw, url))
        {
            // SIGKILL once the journal in the blob records a quarter of the 64 windows: no chance to clean up.
            DateTime deadline = DateTime.UtcNow.AddMinutes(2);
            while (DoneWindows(blob) < 16 && !run.Process.HasExited && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            Assert.False(run.Process.HasExited, "the upload ended before it could be killed: " + run.Stderr);
            run.Process.Kill();
            run.Process.WaitForExit();
        }

        long held = PageRangeBytes(blob);
        IDictionary<string, string> metadata = blob.GetProperties().Value.Metadata;
        Assert.True(metadata.ContainsKey("vhdkit_upload"), "no journal left in the blob after the kill");
        Assert.True(held < model.Length, "the whole disk was sent before the kill");
        byte[] footer = blob.DownloadContent(new BlobDownloadOptions { Range = new HttpRange(model.Length, 512) }).Value.Content.ToArray();
        Assert.True(footer.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a footer was written before the kill");

        ProcessResult again = CliRunner.Run("upload", "--output=json", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), raw, url);

        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
        using JsonDocument document = JsonSchemaCheck.AssertValid(again.Stdout, "upload");
        JsonElement root = document.RootElement;
        Assert.True(root.GetProperty("resumed").GetBoolean());
        long sent = root.GetProperty("bytes-sent").GetInt64();
        long bound = (model.Length - held) + (threads * 4 * MiB) + 512;
        Assert.True(sent <= bound, $"the resumed run sent {sent} bytes; the rest was {model.Length - held} bytes, so at most {bound} were expected");
        Assert.Empty(blob.GetProperties().Value.Metadata);
        AssertBlobIsFixedVhdOf(_folder, container, "resumed.vhd", model, raw);
    }

    [SkippableFact]
    public async Task Upload_interrupted_refuses_another_source_leaving_the_blob_and_resumes_the_same_one()
    {
        _azurite.Require();
        string raw = _folder.File("a.raw");
        var model = new byte[32 * MiB];
        new Random(21).NextBytes(model);
        File.WriteAllBytes(raw, model);
        string other = _folder.File("b.raw");
        File.WriteAllBytes(other, Enumerable.Repeat((byte)0x42, model.Length).ToArray());
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "half.vhd");
        PageBlobClient blob = container.GetPageBlobClient("half.vhd");
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Done >= 12 * MiB)
            {
                cancellation.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => UploadOperation.RunAsync(new UploadRequest(raw, url) { Threads = 1 }, progress, cancellation.Token));
        byte[] before = Download(container, "half.vhd");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => UploadOperation.RunAsync(new UploadRequest(other, url)));

        Assert.Contains("interrupted upload of another source", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, Download(container, "half.vhd"));

        UploadResult resumed = await UploadOperation.RunAsync(new UploadRequest(raw, url) { Threads = 1 });

        Assert.True(resumed.Resumed);
        Assert.True(resumed.SkippedBytes >= 12 * MiB, $"skipped {resumed.SkippedBytes}");
        Assert.Equal(model.Length - resumed.SkippedBytes + 512, resumed.BytesSent);
        AssertBlobIsFixedVhdOf(_folder, container, "half.vhd", model, raw);
        var finished = await Assert.ThrowsAsync<AzureBlobException>(() => UploadOperation.RunAsync(new UploadRequest(raw, url)));
        Assert.Contains("already exists", finished.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Journal_round_trips_its_done_windows_and_ignores_a_list_it_cannot_trust()
    {
        var journal = UploadJournal.Start("key", "a raw file", 100);
        foreach (int index in new[] { 0, 1, 2, 5, 7, 8, 99 })
        {
            journal.MarkDone(index);
        }

        Dictionary<string, string> metadata = journal.ToMetadata();
        Assert.Equal("0-2,5,7-8,99", metadata[UploadJournal.DoneKey]);
        UploadJournal again = UploadJournal.Resume(metadata, "key", "a raw file", 100)!;
        Assert.True(again.IsDone(8) && again.IsDone(99) && !again.IsDone(6));
        Assert.Null(UploadJournal.Resume(metadata, "other", "a raw file", 100));
        Assert.Null(UploadJournal.Resume(metadata, "key", "a raw file", 101));
        foreach (string hostile in new[] { "0-200", "5-2", "x", "1-2-3", "-1", "1,,2" })
        {
            metadata[UploadJournal.DoneKey] = hostile;
            UploadJournal trusted = UploadJournal.Resume(metadata, "key", "a raw file", 100)!;
            Assert.False(trusted.IsDone(0) || trusted.IsDone(5), hostile);
        }
    }

    private static int DoneWindows(PageBlobClient blob)
    {
        if (!blob.Exists().Value
            || !blob.GetProperties().Value.Metadata.TryGetValue(UploadJournal.DoneKey, out string? done) || done.Length == 0)
        {
            return 0;
        }

        int count = 0;
        foreach (string part in done.Split(','))
        {
            string[] ends = part.Split('-');
            count += int.Parse(ends[^1], System.Globalization.CultureInfo.InvariantCulture) - int.Parse(ends[0], System.Globalization.CultureInfo.InvariantCulture) + 1;
        }

        return count;
    }
}
