using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// <see cref="BlobStorage"/> against Azurite: ranged reads fetch about the bytes asked (never the whole blob), windows
/// with no written page cost no request, and the cache stays within its cap however large the blob.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BlobStorageTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const int Window = 64 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public BlobStorageTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Reading_a_range_of_a_blob_fetches_about_the_bytes_asked_and_nothing_for_unwritten_pages()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 64 * MiB, seed: 151);
        chain.AddLayer(writes: 8, maxWrite: 4 * 1024 * 1024);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "disk.vhd");
        await UploadOperation.RunAsync(new UploadRequest(chain.Leaf, url));

        using BlobStorage blob = BlobStorage.Open(url, new BlobStorageOptions { WindowSize = Window, CacheWindows = 16 });
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(blob, leaveOpen: true)]);
        long opened = blob.BytesFetched;
        long offset = (10 * MiB) + 12345;
        var read = new byte[3 * MiB];

        Assert.Equal(read.Length, disk.Read(read, offset));

        ChainBuilder.AssertBytes(chain.Model.AsSpan((int)offset, read.Length).ToArray(), read);
        Assert.DoesNotContain("sig=", blob.Name, StringComparison.Ordinal);
        Assert.True(opened <= 2 * Window, $"opening fetched {opened} bytes");
        long fetched = blob.BytesFetched - opened;
        Assert.True(fetched <= read.Length + (2 * Window), $"a {read.Length}-byte read fetched {fetched} bytes of a {blob.Length}-byte blob");

        // A window the disk never wrote has no page in the blob: it reads as zeros without a request.
        long zeroWindow = FirstZeroWindow(chain.Model);
        long requests = blob.Requests;
        long before = blob.BytesFetched;
        var zeros = new byte[Window];
        Array.Fill(zeros, (byte)0xEE);
        Assert.Equal(Window, disk.Read(zeros, zeroWindow));
        Assert.All(zeros, b => Assert.Equal(0, b));
        Assert.Equal(requests, blob.Requests);
        Assert.Equal(before, blob.BytesFetched);
    }

    [SkippableFact]
    public void The_cache_of_a_large_blob_stays_within_its_cap_and_every_read_is_right()
    {
        _azurite.Require();
        const long Size = 8L << 30;
        BlobContainerClient container = _azurite.NewContainer();
        PageBlobClient client = container.GetPageBlobClient("large.raw");
        client.Create(Size);
        var random = new Random(8);
        var pieces = new SortedDictionary<long, byte[]>();
        for (int i = 0; i < 96; i++)
        {
            long at = random.NextInt64(0, Size / Window) * Window;
            var data = new byte[Window];
            random.NextBytes(data);
            using var page = new MemoryStream(data);
            client.UploadPages(page, at);
            pieces[at] = data;
        }

        using BlobStorage blob = BlobStorage.Open(_azurite.SasUrl(container, "large.raw"), new BlobStorageOptions { WindowSize = Window, CacheWindows = 8 });
        long[] starts = [.. pieces.Keys];
        for (int i = 0; i < 3000; i++)
        {
            // Half the reads land in or next to data, half anywhere; lengths from one byte to three windows.
            long at = i % 2 == 0 ? starts[random.Next(starts.Length)] + random.Next(-Window, Window) : random.NextInt64(0, Size);
            at = Math.Clamp(at, 0, Size - 1);
            var read = new byte[(int)Math.Min(random.Next(1, 3 * Window), Size - at)];
            Assert.Equal(read.Length, blob.Read(read, at));
            ChainBuilder.AssertBytes(Expected(pieces, at, read.Length), read);
        }

        Assert.InRange(blob.CacheBuffersAllocated, 1, 8);
        Assert.True(blob.BytesFetched <= 3000L * 4 * Window, $"fetched {blob.BytesFetched} bytes");
    }

    [SkippableFact]
    public void Blob_storage_is_read_only()
    {
        _azurite.Require();
        BlobContainerClient container = _azurite.NewContainer();
        container.GetPageBlobClient("ro.raw").Create(MiB);
        using BlobStorage blob = BlobStorage.Open(_azurite.SasUrl(container, "ro.raw"));

        Assert.False(blob.CanWrite);
        var refused = Assert.Throws<NotSupportedException>(() => blob.Write(new byte[512], 0));
        Assert.Contains("never writes", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", refused.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => VhdImage.Open(_azurite.SasUrl(container, "ro.raw"), new VhdOpenOptions { Writable = true }));
    }

    [Fact]
    public void A_url_whose_scheme_has_no_opener_is_refused_without_quoting_its_token()
    {
        var refused = Assert.Throws<NotSupportedException>(() => StorageLocations.OpenRead("s3x://bucket/disk.vhd?token=SECRET"));

        Assert.Contains("s3x://", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", refused.Message, StringComparison.Ordinal);
        Assert.True(StorageLocations.IsUrl("https://a.blob.core.windows.net/c/b.vhd"));
        Assert.False(StorageLocations.IsUrl(@"C:\vms\disk.vhd"));
        Assert.False(StorageLocations.IsUrl("relative/disk.vhd"));
        Assert.Equal("https://a/c/b.vhd" + StorageLocations.RedactedQuery, StorageLocations.Display("https://a/c/b.vhd?sv=1&sig=SECRET"));
    }

    private static long FirstZeroWindow(byte[] model)
    {
        for (long at = 0; at + Window <= model.Length; at += Window)
        {
            if (model.AsSpan((int)at, Window).IndexOfAnyExcept((byte)0) < 0)
            {
                return at;
            }
        }

        throw new InvalidOperationException("the model has no zero window");
    }

    private static byte[] Expected(SortedDictionary<long, byte[]> pieces, long at, int length)
    {
        var expected = new byte[length];
        foreach ((long start, byte[] data) in pieces)
        {
            long from = Math.Max(start, at);
            long to = Math.Min(start + data.Length, at + length);
            if (from < to)
            {
                data.AsSpan((int)(from - start), (int)(to - from)).CopyTo(expected.AsSpan((int)(from - at)));
            }
        }

        return expected;
    }
}
