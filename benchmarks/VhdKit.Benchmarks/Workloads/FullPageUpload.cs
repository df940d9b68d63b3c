using System.Buffers;
using System.Diagnostics;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace VhdKit.Benchmarks.Workloads;

/// <summary>
/// The baseline of benchmarks/azure-upload.sh: a local fixed VHD uploaded the way a plain page-blob copy sends it
/// (what issue 15 calls azcopy's full copy): the page blob created at the file's length, then every 4 MiB of the file
/// (zeros included) as one Put Page, <c>threads</c> at once. Credentials from AZURE_STORAGE_CONNECTION_STRING.
/// Prints the seconds it took and the bytes sent.
/// </summary>
internal static class FullPageUpload
{
    private const int PageWrite = 4 * 1024 * 1024;

    /// <summary>Creates the container of <paramref name="blobUrl"/> if it does not exist.</summary>
    public static void CreateContainer(string blobUrl)
    {
        BlobContainerClient container = Blob(blobUrl).GetParentBlobContainerClient();
        container.CreateIfNotExists();
    }

    public static (double Seconds, long Bytes) Run(string file, string blobUrl, int threads)
    {
        PageBlobClient blob = Blob(blobUrl);
        long length = new FileInfo(file).Length;
        var clock = Stopwatch.StartNew();
        blob.Create(length);
        using var handle = File.OpenHandle(file);
        var chunks = new List<long>();
        for (long offset = 0; offset < length; offset += PageWrite)
        {
            chunks.Add(offset);
        }

        Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, async (offset, token) =>
        {
            int size = (int)Math.Min(PageWrite, length - offset);
            byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                int done = 0;
                while (done < size)
                {
                    done += await RandomAccess.ReadAsync(handle, buffer.AsMemory(done, size - done), offset + done, token).ConfigureAwait(false);
                }

                using var stream = new MemoryStream(buffer, 0, size, writable: false);
                await blob.UploadPagesAsync(stream, offset, cancellationToken: token).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }).GetAwaiter().GetResult();
        return (clock.Elapsed.TotalSeconds, length);
    }

    private static PageBlobClient Blob(string blobUrl)
    {
        var parts = new BlobUriBuilder(new Uri(blobUrl));
        var service = new BlobServiceClient(Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING")
            ?? throw new InvalidOperationException("AZURE_STORAGE_CONNECTION_STRING is not set."));
        return service.GetBlobContainerClient(parts.BlobContainerName).GetPageBlobClient(parts.BlobName);
    }
}
