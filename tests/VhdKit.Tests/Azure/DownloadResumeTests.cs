using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// Resuming an interrupted <c>vhd download</c> against Azurite: the pieces staged and recorded beside the target are
/// kept, the same download run again fetches only the rest, and a blob changed meanwhile is downloaded from the start.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class DownloadResumeTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const int Piece = 4 << 20;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public DownloadResumeTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Download_cli_killed_half_way_and_run_again_fetches_only_the_rest_plus_one_piece_per_thread()
    {
        _azurite.Require();
        const int threads = 2;
        var model = new byte[128 * MiB];
        new Random(1516).NextBytes(model);
        string url = await UploadAsync(model, "big.vhd");
        string target = _folder.File("big.vhd");
        string state = Path.Combine(_folder.Path, ".big.vhd.vhdkit-download");

        using (InterruptedRun run = InterruptedRun.Vhd(_folder.Path, "download", "-O", "raw", "--threads", threads.ToString(CultureInfo.InvariantCulture), url, target))
        {
            // SIGKILL once the journal records a quarter of the 32 pieces: no chance to clean up.
            DateTime deadline = DateTime.UtcNow.AddMinutes(2);
            while (RecordedBytes(state) < 8L * Piece && !run.Process.HasExited && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(5);
            }

            Assert.False(run.Process.HasExited, "the download ended before it could be killed: " + run.Stderr);
            run.Process.Kill();
            run.Process.WaitForExit();
        }

        Assert.False(File.Exists(target), "the target appeared before the download was complete");
        long recorded = RecordedBytes(state);
        long staged = StagedPieceBytes(Path.Combine(state, "staged"));
        Assert.True(recorded < model.Length, "every piece was recorded before the kill");
        Assert.True(staged >= recorded && staged - recorded <= threads * (long)Piece,
            $"the staged file holds {staged} bytes of pieces, the journal {recorded}: at most one unrecorded piece per thread was expected");

        ProcessResult again = CliRunner.Run("download", "--output=json", "-O", "raw", "--threads", threads.ToString(CultureInfo.InvariantCulture), url, target);

        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
        using (JsonDocument document = JsonSchemaCheck.AssertValid(again.Stdout, "download"))
        {
            JsonElement root = document.RootElement;
            Assert.True(root.GetProperty("resumed").GetBoolean());
            long fetched = root.GetProperty("bytes-fetched").GetInt64();
            long bound = (model.Length - staged) + (threads * (long)Piece) + 512;
            Assert.True(fetched <= bound, $"the resumed run fetched {fetched} bytes; the first had staged {staged} of {model.Length}, so at most {bound} were expected");
            Assert.Equal(model.Length - recorded + 512, fetched);
            Assert.Equal(recorded, root.GetProperty("bytes-reused").GetInt64());
            Assert.Equal(model.Length, root.GetProperty("bytes-downloaded").GetInt64());
        }

        Assert.Equal(model, File.ReadAllBytes(target));
        Assert.Equal([target], Directory.GetFileSystemEntries(_folder.Path).Where(p => !p.EndsWith(".raw", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task Download_cancelled_then_run_as_another_format_resumes_removes_a_killed_builds_leftovers_and_leaves_only_the_target()
    {
        _azurite.Require();
        var model = new byte[40 * MiB];
        new Random(1517).NextBytes(model.AsSpan(0, (int)(30 * MiB)));
        new Random(1518).NextBytes(model.AsSpan((int)(36 * MiB), (int)(2 * MiB)));
        string url = await UploadAsync(model, "data.vhd");
        string target = _folder.File("data.img");
        await CancelAfterAsync(url, target, 12 * MiB);
        string state = Path.Combine(_folder.Path, ".data.img.vhdkit-download");
        Assert.True(Directory.Exists(state), "the cancelled download kept no state");
        File.WriteAllText(Path.Combine(state, ".vhdkit-0badf00d.tmp"), "a build killed half way");
        File.WriteAllText(Path.Combine(state, "built"), "a build killed before its move");

        DownloadResult done = await DownloadOperation.RunAsync(new DownloadRequest(url, target) { Format = ConvertFormat.Raw, Threads = 1 });

        Assert.True(done.Resumed);
        Assert.Null(done.DiscardedPartial);
        Assert.True(done.BytesReused >= 12 * MiB, $"reused {done.BytesReused}");
        Assert.Equal(32 * MiB - done.BytesReused + 512, done.BytesFetched);
        Assert.Equal(model, File.ReadAllBytes(target));
        Assert.Equal([target], Directory.GetFileSystemEntries(_folder.Path).Where(p => !p.EndsWith(".raw", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task Download_of_a_blob_changed_since_an_interrupted_run_starts_over_and_never_mixes_the_two()
    {
        _azurite.Require();
        var model = new byte[32 * MiB];
        new Random(1519).NextBytes(model);
        string url = await UploadAsync(model, "moving.vhd", out BlobContainerClient container);
        string target = _folder.File("moving.vhd");
        await CancelAfterAsync(url, target, 8 * MiB);

        // The blob changes inside a piece the interrupted run has already staged.
        byte[] page = Enumerable.Repeat((byte)0x5A, 512).ToArray();
        using (var stream = new MemoryStream(page))
        {
            container.GetPageBlobClient("moving.vhd").UploadPages(stream, MiB);
        }

        page.CopyTo(model, MiB);

        DownloadResult done = await DownloadOperation.RunAsync(new DownloadRequest(url, target) { Format = ConvertFormat.Raw });

        Assert.False(done.Resumed);
        Assert.Contains("the blob changed since", done.DiscardedPartial, StringComparison.Ordinal);
        Assert.Equal(0, done.BytesReused);
        Assert.Equal(model.Length + 512, done.BytesFetched);
        Assert.Equal(model, File.ReadAllBytes(target));
    }

    [SkippableFact]
    public async Task Download_resumed_fetches_again_a_recorded_piece_whose_staged_bytes_were_damaged()
    {
        _azurite.Require();
        var model = new byte[32 * MiB];
        new Random(1520).NextBytes(model);
        string url = await UploadAsync(model, "damaged.vhd");
        string target = _folder.File("damaged.img");
        await CancelAfterAsync(url, target, 12 * MiB);
        string staged = Path.Combine(_folder.Path, ".damaged.img.vhdkit-download", "staged");
        using (FileStream file = File.OpenWrite(staged))
        {
            file.Position = 5;
            file.WriteByte((byte)(model[5] ^ 0xFF)); // inside the first piece, which is recorded
        }

        DownloadResult done = await DownloadOperation.RunAsync(new DownloadRequest(url, target) { Format = ConvertFormat.Raw, Threads = 1 });

        Assert.True(done.Resumed);
        Assert.Equal(model.Length - done.BytesReused + 512, done.BytesFetched);
        Assert.True(done.BytesReused >= 8 * MiB, $"reused {done.BytesReused}");
        Assert.Equal(model, File.ReadAllBytes(target));
    }

    [SkippableFact]
    public async Task Download_whose_local_build_fails_with_an_io_error_keeps_every_piece_and_the_rerun_fetches_only_the_footer()
    {
        _azurite.Require();
        var model = new byte[16 * MiB];
        new Random(1525).NextBytes(model);
        string url = await UploadAsync(model, "eio.vhd");
        string target = _folder.File("eio.vhd");

        var failed = await Assert.ThrowsAsync<IOException>(() =>
            DownloadOperation.RunAsync(new DownloadRequest(url, target), storage => new FailingStorage(storage), null, CancellationToken.None));

        Assert.Contains("Input/output error (injected)", failed.Message, StringComparison.Ordinal);
        Assert.Contains("kept in", failed.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));

        DownloadResult done = await DownloadOperation.RunAsync(new DownloadRequest(url, target));

        Assert.True(done.Resumed);
        Assert.Equal(model.Length, done.BytesReused);
        Assert.Equal(512, done.BytesFetched);
        using VhdKit.Chain.VirtualDisk disk = VhdKit.Chain.VirtualDisk.Open(target, new VhdKit.Chain.VirtualDiskOptions { ReadOnly = true });
        ChainBuilder.AssertContent(model, disk);
    }

    [Fact]
    public void Journal_trusts_whole_lines_of_its_own_blob_only()
    {
        var identity = new DownloadIdentity("http://h/a/c/b.vhd", "\"0x1\"", (8 * MiB) + 512);
        byte[] hash = new byte[32];
        string whole = DownloadJournal.Header(identity) + DownloadJournal.Line(new DownloadRecord(0, Piece, hash)) + DownloadJournal.Line(new DownloadRecord(Piece, Piece, hash));

        Assert.Equal(2, DownloadJournal.Parse(whole, identity, out _)!.Value.Length);
        Assert.Single(DownloadJournal.Parse(whole[..^1], identity, out _)!.Value); // the last line torn
        Assert.Single(DownloadJournal.Parse(whole.Replace("range 4194304 4194304", "range 4194304 99999999", StringComparison.Ordinal), identity, out _)!.Value);
        Assert.Null(DownloadJournal.Parse(whole, identity with { ETag = "\"0x2\"" }, out string? changed));
        Assert.Contains("the blob changed since", changed, StringComparison.Ordinal);
        Assert.Null(DownloadJournal.Parse(whole, identity with { BlobUrl = "http://h/a/c/other.vhd" }, out string? other));
        Assert.Contains("another blob", other, StringComparison.Ordinal);
        Assert.Null(DownloadJournal.Parse("garbage", identity, out _));
    }

    /// <summary>A volume whose data writes (64 KiB or more) fail with EIO.</summary>
    private sealed class FailingStorage(VhdKit.Storage.IPositionalStorage inner) : VhdKit.Storage.IPositionalStorage
    {
        public string Name => inner.Name;

        public bool CanWrite => inner.CanWrite;

        public long Length => inner.Length;

        public int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, cancellationToken);

        public void Write(ReadOnlySpan<byte> buffer, long offset)
        {
            if (buffer.Length >= 64 * 1024)
            {
                throw new IOException($"Writing {Name} at {offset} failed: Input/output error (injected).");
            }

            inner.Write(buffer, offset);
        }

        public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
        {
            Write(buffer.Span, offset);
            return ValueTask.CompletedTask;
        }

        public void SetLength(long length) => inner.SetLength(length);

        public void Flush() => inner.Flush();

        public void Dispose() => inner.Dispose();
    }

    private Task<string> UploadAsync(byte[] model, string name) => UploadAsync(model, name, out _);

    private Task<string> UploadAsync(byte[] model, string name, out BlobContainerClient container)
    {
        string raw = _folder.File(Path.ChangeExtension(name, ".raw"));
        File.WriteAllBytes(raw, model);
        container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, name);
        return UploadOperation.RunAsync(new UploadRequest(raw, url)).ContinueWith(_ => url, TaskScheduler.Default);
    }

    /// <summary>Downloads with one reader and cancels once <paramref name="bytes"/> are staged.</summary>
    private static async Task CancelAfterAsync(string url, string target, long bytes)
    {
        using var cancellation = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Done >= bytes)
            {
                cancellation.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            DownloadOperation.RunAsync(new DownloadRequest(url, target) { Threads = 1 }, progress, cancellation.Token));
        Assert.False(File.Exists(target));
    }

    /// <summary>The bytes of pieces the journal in <paramref name="state"/> records (0 while there is none).</summary>
    private static long RecordedBytes(string state)
    {
        string journal = Path.Combine(state, "journal");
        string text;
        try
        {
            using var stream = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        catch (IOException)
        {
            return 0;
        }

        long bytes = 0;
        foreach (string line in text.Split('\n').SkipLast(1))
        {
            string[] fields = line.Split(' ');
            if (fields.Length == 4 && fields[0] == "range")
            {
                bytes += long.Parse(fields[2], CultureInfo.InvariantCulture);
            }
        }

        return bytes;
    }

    /// <summary>The bytes of 4 MiB pieces holding anything but zeros in the staged file (the model is random: every piece written holds data).</summary>
    private static long StagedPieceBytes(string staged)
    {
        byte[] bytes = File.ReadAllBytes(staged);
        long held = 0;
        for (int offset = 0; offset < bytes.Length; offset += Piece)
        {
            if (bytes.AsSpan(offset, Math.Min(Piece, bytes.Length - offset)).IndexOfAnyExcept((byte)0) >= 0)
            {
                held += Math.Min(Piece, bytes.Length - offset);
            }
        }

        return held;
    }
}
