using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary><c>vhd download</c> and <see cref="DownloadOperation"/> against Azurite: only page ranges are read, and the file appears whole or not at all.</summary>
[Collection(AzuriteTests.Name)]
public sealed class DownloadTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public DownloadTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Download_of_a_sparse_64_GiB_blob_with_20_MiB_of_data_is_a_small_dynamic_vhd_with_the_same_content()
    {
        _azurite.Require();
        string raw = _folder.File("big.raw");
        var random = new Random(64);
        var pieces = new List<(long Offset, byte[] Data)>();
        using (FileStream file = File.Create(raw))
        {
            file.SetLength(64L << 30);
            for (int i = 0; i < 20; i++)
            {
                var data = new byte[MiB];
                random.NextBytes(data);
                long offset = (long)i * (3L << 30) + (2 * MiB * random.Next(0, 500));
                file.Position = offset;
                file.Write(data);
                pieces.Add((offset, data));
            }
        }

        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "big.vhd");
        UploadResult uploaded = await UploadOperation.RunAsync(new UploadRequest(raw, url));
        Assert.Equal(20 * MiB + 512, uploaded.BytesSent);

        string target = _folder.File("big.vhd");
        ProcessResult result = CliRunner.Run("download", "--output=json", url, target);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.DoesNotContain("sig=", result.Stdout + result.Stderr, StringComparison.Ordinal);
        using (JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "download"))
        {
            Assert.Equal(20 * MiB, document.RootElement.GetProperty("bytes-downloaded").GetInt64());
            Assert.Equal((20 * MiB) + 512, document.RootElement.GetProperty("bytes-fetched").GetInt64()); // the pieces and the footer, of 64 GiB
            Assert.False(document.RootElement.GetProperty("resumed").GetBoolean());
            Assert.Equal("dynamic", document.RootElement.GetProperty("target-format").GetString());
        }

        Assert.True(new FileInfo(target).Length < 48 * MiB, $"the dynamic VHD is {new FileInfo(target).Length} bytes");
        using (VirtualDisk disk = VirtualDisk.Open(target, new VirtualDiskOptions { ReadOnly = true }))
        {
            Assert.Equal(64L << 30, disk.Capacity);
            Assert.Equal(VhdDiskType.Dynamic, disk.Layers[0].DiskType);
            Assert.Equal(20 * MiB, disk.GetAllocatedRanges().Sum(e => e.Length));
            var read = new byte[MiB];
            foreach ((long offset, byte[] data) in pieces)
            {
                Assert.Equal(read.Length, disk.Read(read, offset));
                ChainBuilder.AssertBytes(data, read);
            }
        }

        PeerTools.RunOk(PeerTools.Require("qemu-img"), "compare", "-f", "vpc", "-F", "raw", target, raw);
    }

    [SkippableFact]
    public async Task Download_of_a_blob_without_a_fixed_footer_is_refused_and_leaves_no_file()
    {
        _azurite.Require();
        BlobContainerClient container = _azurite.NewContainer();
        PageBlobClient blob = container.GetPageBlobClient("nofooter.vhd");
        blob.Create(4 * MiB + 512);
        using (var page = new MemoryStream(Enumerable.Repeat((byte)9, 4096).ToArray()))
        {
            blob.UploadPages(page, 0);
        }

        string target = _folder.File("out.vhd");
        var refused = await Assert.ThrowsAsync<VhdFormatException>(() => DownloadOperation.RunAsync(new DownloadRequest(_azurite.SasUrl(container, "nofooter.vhd"), target)));

        Assert.Contains("no fixed VHD page blob", refused.Message, StringComparison.Ordinal);
        Assert.Contains(BlobAddress.RedactedQuery, refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [SkippableFact]
    public async Task Download_refuses_an_existing_target_and_keeps_it()
    {
        _azurite.Require();
        string raw = _folder.File("small.raw");
        File.WriteAllBytes(raw, Enumerable.Repeat((byte)3, (int)(4 * MiB)).ToArray());
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "small.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, url));
        string target = _folder.File("exists.vhd");
        File.WriteAllText(target, "keep");

        await Assert.ThrowsAsync<VhdKit.Operations.ImageAlreadyExistsException>(() => DownloadOperation.RunAsync(new DownloadRequest(url, target)));

        Assert.Equal("keep", File.ReadAllText(target));
        string copy = _folder.File("copy.raw");
        DownloadResult done = await DownloadOperation.RunAsync(new DownloadRequest(url, copy) { Format = VhdKit.Operations.ConvertFormat.Raw });
        Assert.Equal(File.ReadAllBytes(raw), File.ReadAllBytes(copy));
        Assert.Equal(4 * MiB, done.BytesDownloaded);
    }

    [SkippableTheory]
    [InlineData("dynamic", "vhdx-dynamic")]
    [InlineData("fixed", "vhdx-fixed")]
    public async Task Download_as_vhdx_is_a_vhdx_with_the_blobs_content_that_qemu_reads_the_same(string type, string named)
    {
        _azurite.Require();
        string raw = _folder.File("data.raw");
        var model = new byte[40 * MiB];
        new Random(14).NextBytes(model.AsSpan((int)(3 * MiB), (int)(5 * MiB)));
        new Random(15).NextBytes(model.AsSpan((int)(37 * MiB), (int)MiB));
        File.WriteAllBytes(raw, model);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "data.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, url));

        string target = _folder.File("data.vhdx");
        ProcessResult result = CliRunner.Run("download", "--output=json", "-O", "vhdx", "--type", type, url, target);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        using (JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "download"))
        {
            Assert.Equal(named, document.RootElement.GetProperty("target-format").GetString());
            Assert.Equal(6 * MiB, document.RootElement.GetProperty("bytes-downloaded").GetInt64());
        }

        Assert.Equal(VhdKit.Formats.ImageFormat.Vhdx, VhdKit.Formats.ImageFormatProbe.Detect(target));
        string info = PeerTools.RunOk(PeerTools.Require("qemu-img"), "info", "-f", "vhdx", target);
        Assert.Contains("(41943040 bytes)", info, StringComparison.Ordinal);
        PeerTools.RunOk(PeerTools.Require("qemu-img"), "check", "-f", "vhdx", target);
        PeerTools.RunOk(PeerTools.Require("qemu-img"), "compare", "-f", "vhdx", "-F", "raw", target, raw);
    }

    [SkippableTheory]
    [InlineData(VhdKit.Operations.ConvertFormat.Dynamic)]
    [InlineData(VhdKit.Operations.ConvertFormat.Raw)]
    public async Task Download_whose_written_file_differs_from_what_the_blob_sent_fails_verification_and_leaves_nothing(VhdKit.Operations.ConvertFormat format)
    {
        _azurite.Require();
        string raw = _folder.File("data.raw");
        var model = new byte[8 * MiB];
        new Random(412).NextBytes(model.AsSpan(0, (int)(3 * MiB)));
        File.WriteAllBytes(raw, model);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "data.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, url));
        string target = _folder.File("out.img");
        File.Delete(raw);

        // A volume that keeps the wrong byte: the first byte of every write of 64 KiB or more is flipped.
        var failed = await Assert.ThrowsAsync<IOException>(() =>
            DownloadOperation.RunAsync(new DownloadRequest(url, target) { Format = format }, storage => new FlippingStorage(storage), null, CancellationToken.None));

        Assert.Contains("did not verify", failed.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [SkippableFact]
    public async Task Download_of_a_blob_changed_during_the_download_is_refused_and_leaves_nothing()
    {
        _azurite.Require();
        string raw = _folder.File("data.raw");
        var model = new byte[16 * MiB];
        new Random(413).NextBytes(model);
        File.WriteAllBytes(raw, model);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "moving.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, url));
        File.Delete(raw);
        string target = _folder.File("out.vhd");
        PageBlobClient blob = container.GetPageBlobClient("moving.vhd");
        int reports = 0;

        // One reader: the write lands after the first piece, before the next is read (parallel readers could finish first).
        var writer = new SynchronousProgress(p =>
        {
            if (p.Done > 0 && Interlocked.Increment(ref reports) == 1)
            {
                using var page = new MemoryStream(new byte[512]);
                blob.UploadPages(page, 15 * MiB);
            }
        });

        var refused = await Assert.ThrowsAsync<AzureBlobException>(() => DownloadOperation.RunAsync(new DownloadRequest(url, target) { Threads = 1 }, writer));

        Assert.Equal(412, refused.Status);
        Assert.Contains("changed during the download", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    /// <summary>Flips the first byte of every write of 64 KiB or more (data, not metadata).</summary>
    private sealed class FlippingStorage(IPositionalStorage inner) : IPositionalStorage
    {
        public string Name => inner.Name;

        public bool CanWrite => inner.CanWrite;

        public long Length => inner.Length;

        public int Read(Span<byte> buffer, long offset) => inner.Read(buffer, offset);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, cancellationToken);

        public void Write(ReadOnlySpan<byte> buffer, long offset)
        {
            if (buffer.Length < 64 * 1024)
            {
                inner.Write(buffer, offset);
                return;
            }

            byte[] copy = buffer.ToArray();
            copy[0] ^= 0xFF;
            inner.Write(copy, offset);
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
}
