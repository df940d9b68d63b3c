using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Operations;
using VhdKit.Tests.Support;
using static VhdKit.Tests.Azure.PageBlobChecks;

namespace VhdKit.Tests.Azure;

/// <summary>
/// <c>vhd upload</c> and <see cref="UploadOperation"/> against Azurite: the page blob's bytes are the flattened disk
/// plus a fixed footer (read back with the SDK, then <c>vhd info</c> and <c>qemu-img compare</c>), and only the
/// non-zero 512-byte pages are sent (counted on the wire, and as Azurite's page ranges).
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class UploadTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const int Page = 512;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public UploadTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Upload_of_a_dynamic_disk_is_its_content_and_a_fixed_footer_and_sends_only_nonzero_pages()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 48 * MiB, seed: 15);
        chain.AddLayer(writes: 6, maxWrite: 3 * 1024 * 1024);
        BlobContainerClient container = _azurite.NewContainer();

        UploadResult result = await UploadOperation.RunAsync(new UploadRequest(chain.Leaf, _azurite.SasUrl(container, "disk.vhd")) { Threads = 4 });

        long held = NonZeroPageBytes(chain.Model);
        Assert.Equal(48 * MiB, result.VirtualSize);
        Assert.Equal(48 * MiB + 512, result.BlobSize);
        Assert.Equal(held + 512, result.DataBytes);
        Assert.Equal(held + 512, result.BytesSent);
        Assert.Equal(held + 512, PageRangeBytes(container.GetPageBlobClient("disk.vhd")));
        AssertBlobIsFixedVhdOf(container, "disk.vhd", chain.Model, chain.Leaf);
    }

    [SkippableFact]
    public void Upload_cli_of_a_depth_3_chain_is_the_flattened_chain_and_never_prints_the_sas_signature()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 20 * MiB, seed: 3);
        chain.AddLayer(writes: 5);
        chain.AddLayer(writes: 5);
        chain.AddLayer(writes: 5);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "chain.vhd");
        string signature = Uri.UnescapeDataString(url[(url.IndexOf("sig=", StringComparison.Ordinal) + 4)..].Split('&')[0]);

        ProcessResult text = CliRunner.Run("upload", chain.Leaf, url);
        ProcessResult json = CliRunner.Run("upload", "--overwrite", "--output=json", chain.Leaf, url);

        Assert.True(text.ExitCode == 0, text.Stderr + text.Stdout);
        Assert.True(json.ExitCode == 0, json.Stderr + json.Stdout);
        foreach (string output in new[] { text.Stdout, text.Stderr, json.Stdout, json.Stderr })
        {
            Assert.DoesNotContain("sig=", output, StringComparison.Ordinal);
            Assert.DoesNotContain(signature, output, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(signature), output, StringComparison.Ordinal);
        }

        using JsonDocument document = JsonSchemaCheck.AssertValid(json.Stdout, "upload");
        JsonElement root = document.RootElement;
        long held = NonZeroPageBytes(chain.Model);
        Assert.Equal(held + 512, root.GetProperty("bytes-sent").GetInt64());
        Assert.EndsWith("/chain.vhd" + BlobAddress.RedactedQuery, root.GetProperty("blob-url").GetString(), StringComparison.Ordinal);
        AssertBlobIsFixedVhdOf(container, "chain.vhd", chain.Model, chain.Leaf);
    }

    [SkippableFact]
    public async Task Upload_of_a_sparse_raw_file_sends_only_its_data()
    {
        _azurite.Require();
        string raw = _folder.File("disk.raw");
        var model = new byte[32 * MiB];
        new Random(7).NextBytes(model.AsSpan((int)(5 * MiB), 300_000));
        new Random(8).NextBytes(model.AsSpan((int)(29 * MiB) + 4096, 9000));
        using (FileStream file = File.Create(raw))
        {
            file.SetLength(model.Length);
            file.Position = 5 * MiB;
            file.Write(model, (int)(5 * MiB), 300_000);
            file.Position = 29 * MiB + 4096;
            file.Write(model, (int)(29 * MiB) + 4096, 9000);
        }

        BlobContainerClient container = _azurite.NewContainer();
        UploadResult result = await UploadOperation.RunAsync(new UploadRequest(raw, _azurite.SasUrl(container, "raw.vhd")));

        Assert.Equal(NonZeroPageBytes(model) + 512, result.BytesSent);
        AssertBlobIsFixedVhdOf(container, "raw.vhd", model, raw);
    }

    [SkippableFact]
    public async Task Upload_of_a_vhdx_is_its_disk_content_not_its_file_bytes()
    {
        _azurite.Require();
        string vhdx = _folder.File("disk.vhdx");
        PeerTools.RunOk(PeerTools.Require("qemu-img"), "create", "-q", "-f", "vhdx", vhdx, "8M");
        PeerTools.RunOk(PeerTools.Require("qemu-io"), "-f", "vhdx", "-c", "write -P 0x5a 1M 2M", vhdx);
        var model = new byte[8 * MiB];
        model.AsSpan((int)MiB, (int)(2 * MiB)).Fill(0x5A);
        BlobContainerClient container = _azurite.NewContainer();

        UploadResult result = await UploadOperation.RunAsync(new UploadRequest(vhdx, _azurite.SasUrl(container, "fromvhdx.vhd")));

        Assert.Equal(8 * MiB, result.VirtualSize);
        Assert.Equal((2 * MiB) + 512, result.BytesSent);
        AssertBlobIsFixedVhdOf(container, "fromvhdx.vhd", model, vhdx);
    }

    [SkippableFact]
    public async Task Upload_refuses_a_size_that_is_not_whole_MiB_before_sending_anything_unless_resize_to_mib()
    {
        _azurite.Require();
        string raw = _folder.File("odd.raw");
        var model = new byte[3 * MiB + 512];
        new Random(9).NextBytes(model.AsSpan(0, 70_000));
        model[^1] = 0x5A;
        File.WriteAllBytes(raw, model);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "odd.vhd");

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => UploadOperation.RunAsync(new UploadRequest(raw, url)));
        Assert.Contains("whole number of MiB", refused.Message, StringComparison.Ordinal);
        Assert.Contains(3145728 + 512 + " bytes", refused.Message, StringComparison.Ordinal);
        Assert.False(container.GetBlobClient("odd.vhd").Exists().Value);

        UploadResult result = await UploadOperation.RunAsync(new UploadRequest(raw, url) { ResizeToMiB = true });

        Assert.Equal(4 * MiB, result.VirtualSize);
        var padded = new byte[4 * MiB];
        model.CopyTo(padded, 0);
        AssertBlobIsFixedVhdOf(container, "odd.vhd", padded, null);
    }

    [SkippableFact]
    public async Task Upload_to_an_existing_blob_without_overwrite_is_refused_and_the_blob_is_kept()
    {
        _azurite.Require();
        string raw = _folder.File("a.raw");
        File.WriteAllBytes(raw, Enumerable.Repeat((byte)1, (int)(4 * MiB)).ToArray());
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "kept.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, url));
        File.WriteAllBytes(raw, Enumerable.Repeat((byte)2, (int)(4 * MiB)).ToArray());

        var refused = await Assert.ThrowsAsync<AzureBlobException>(() => UploadOperation.RunAsync(new UploadRequest(raw, url)));

        Assert.Contains("already exists", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, Download(container, "kept.vhd")[0]);
    }

    [SkippableFact]
    public void Upload_cli_with_a_sas_signed_by_a_wrong_key_fails_in_one_line_without_the_signature()
    {
        _azurite.Require();
        string raw = _folder.File("a.raw");
        File.WriteAllBytes(raw, new byte[4 * MiB]);
        BlobContainerClient container = _azurite.NewContainer();
        string wrongKey = Convert.ToBase64String(Enumerable.Repeat((byte)7, 64).ToArray());
        string url = _azurite.SasUrl(container, "denied.vhd", wrongKey);
        string signature = Uri.UnescapeDataString(url[(url.IndexOf("sig=", StringComparison.Ordinal) + 4)..].Split('&')[0]);

        ProcessResult result = CliRunner.Run("upload", raw, url);

        Assert.True(result.ExitCode == 1, result.Stderr);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(line.Contains("access denied by Azure to upload to", StringComparison.Ordinal) && line.Contains("with the SAS token in the URL", StringComparison.Ordinal), line);
        Assert.Contains("403", line, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(signature, result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.False(container.GetBlobClient("denied.vhd").Exists().Value);
    }

    [SkippableFact]
    public void Upload_cli_stopped_with_ctrl_c_exits_130_and_writes_no_footer()
    {
        _azurite.Require();
        string raw = _folder.File("large.raw");
        var data = new byte[192 * MiB];
        new Random(130).NextBytes(data);
        File.WriteAllBytes(raw, data);
        BlobContainerClient container = _azurite.NewContainer();

        using InterruptedRun run = InterruptedRun.Vhd(_folder.Path, "upload", "-p", "--threads", "1", raw, _azurite.SasUrl(container, "large.vhd"));
        run.Interrupt(() => run.Stderr.Contains("upload: ", StringComparison.Ordinal), "vhd upload");

        Assert.True(run.ExitCode == 130, run.Stderr);
        Assert.DoesNotContain("sig=", run.Stderr + run.Stdout, StringComparison.Ordinal);
        Assert.Contains("no footer yet", run.Stderr, StringComparison.Ordinal);
        PageBlobClient blob = container.GetPageBlobClient("large.vhd");
        Assert.True(PageRangeBytes(blob) < 192 * MiB, "the whole disk was sent after Ctrl+C");
        using var footer = new MemoryStream();
        blob.DownloadTo(footer);
        Assert.True(footer.ToArray().AsSpan((int)(192 * MiB)).IndexOfAnyExcept((byte)0) < 0, "the footer was written after Ctrl+C");
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public void Upload_cli_parse_error_quoting_a_sas_url_redacts_its_query_string(string output)
    {
        ProcessResult result = CliRunner.Run("upload", "--output", output, "a.raw", "https://acct.blob.core.windows.net/c/a.vhd?sig=SECRETONE", "extra",
            "https://acct.blob.core.windows.net/c/b.vhd?sv=2020&sig=SECRETTWO");

        Assert.True(result.ExitCode == 1, result.Stderr + result.Stdout);
        Assert.Contains("https://acct.blob.core.windows.net/c/b.vhd?[SAS redacted]", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Upload_cli_to_an_unreachable_service_fails_in_one_line_without_the_signature()
    {
        string raw = _folder.File("a.raw");
        File.WriteAllBytes(raw, new byte[4 * MiB]);

        ProcessResult result = CliRunner.Run("upload", raw, "http://127.0.0.1:1/devstoreaccount1/c/b.vhd?sv=2020-10-02&sig=SECRETSIGNATURE");

        Assert.True(result.ExitCode == 1, result.Stderr);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(line.Contains("cannot reach Azure to upload to http://127.0.0.1:1/devstoreaccount1/c/b.vhd?[SAS redacted]: the connection failed", StringComparison.Ordinal), line);
        Assert.DoesNotContain("SECRETSIGNATURE", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Connection_from_a_connection_string_or_an_account_key_reaches_the_blob_and_names_no_secret()
    {
        _azurite.Require();
        BlobContainerClient container = _azurite.NewContainer();
        string url = $"{_azurite.Endpoint}/{container.Name}/env.vhd";

        BlobConnection byString = BlobConnection.Open(url, name => name == BlobConnection.ConnectionStringVariable ? _azurite.ConnectionString : null);
        byString.Client.Create(1024);
        BlobConnection byKey = BlobConnection.Open(url, name => name == BlobConnection.AccountKeyVariable ? Azurite.Key : null);
        var wrong = BlobConnection.Open(url, name => name == BlobConnection.AccountKeyVariable ? Convert.ToBase64String(new byte[64]) : null);

        Assert.Equal(BlobCredentialSource.ConnectionString, byString.CredentialSource);
        Assert.Equal(BlobCredentialSource.AccountKey, byKey.CredentialSource);
        Assert.Equal(1024, byKey.Client.GetProperties().Value.ContentLength);
        Exception failure = Assert.ThrowsAny<Exception>(() => wrong.Client.GetProperties());
        AzureBlobException explained = wrong.Explain(failure, "read")!;
        Assert.Equal(403, explained.Status);
        Assert.DoesNotContain(Azurite.Key, explained.Message, StringComparison.Ordinal);
        var badString = Assert.Throws<ArgumentException>(() => BlobConnection.Open(url, name => name == BlobConnection.ConnectionStringVariable ? "AccountKey=" + Azurite.Key : null));
        Assert.DoesNotContain(Azurite.Key, badString.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Upload_cancelled_part_way_stops_and_leaves_the_blob_without_its_footer()
    {
        _azurite.Require();
        string raw = _folder.File("full.raw");
        var model = new byte[32 * MiB];
        new Random(11).NextBytes(model);
        File.WriteAllBytes(raw, model);
        BlobContainerClient container = _azurite.NewContainer();
        using var cancellation = new CancellationTokenSource();
        var reports = new List<OperationProgress>();
        var progress = new SynchronousProgress(p =>
        {
            reports.Add(p);
            if (p.Done > 0)
            {
                cancellation.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            UploadOperation.RunAsync(new UploadRequest(raw, _azurite.SasUrl(container, "stopped.vhd")) { Threads = 1 }, progress, cancellation.Token));

        Assert.Equal(32 * MiB, reports[0].Total);
        byte[] blob = Download(container, "stopped.vhd");
        Assert.Equal(32 * MiB + 512, blob.Length);
        Assert.True(blob.AsSpan((int)(32 * MiB)).IndexOfAnyExcept((byte)0) < 0, "the footer was written after a cancel");
        Assert.True(blob.AsSpan((int)(28 * MiB), (int)(4 * MiB)).IndexOfAnyExcept((byte)0) < 0, "the upload went on to the end after a cancel");
    }

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
            disk.Write(model.AsSpan(0, (int)(4 * MiB)), 0);

            // Block 2 written whole with one byte of data; block 3 written with zeros but for its very last byte (the disk's).
            model[(5 * MiB) + 1000] = 0x66;
            model[^1] = 0x77;
            disk.Write(model.AsSpan((int)(4 * MiB)), 4 * MiB);
            disk.Flush();
        }

        BlobContainerClient container = _azurite.NewContainer();
        UploadResult result = await UploadOperation.RunAsync(new UploadRequest(path, _azurite.SasUrl(container, "zeros.vhd")) { Threads = threads });

        Assert.Equal(NonZeroPageBytes(model) + Page, result.BytesSent);
        Assert.Equal(NonZeroPageBytes(model) + Page, result.DataBytes);
        Assert.Equal(NonZeroPageBytes(model) + Page, PageRangeBytes(container.GetPageBlobClient("zeros.vhd")));
        Assert.Equal(DataRunsInWindows(model) + 1, result.PageWrites); // and the footer
        AssertBlobIsFixedVhdOf(container, "zeros.vhd", model, path);
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

    private void AssertBlobIsFixedVhdOf(BlobContainerClient container, string name, byte[] model, string? local) =>
        PageBlobChecks.AssertBlobIsFixedVhdOf(_folder, container, name, model, local);
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SynchronousProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
{
    public void Report(OperationProgress value) => report(value);
}
