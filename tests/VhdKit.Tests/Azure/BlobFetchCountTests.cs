using System.Text.Json;
using Azure.Storage.Blobs;
using VhdKit.Azure;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// What reading a blob in place costs, as the CLI reports it (<c>bytes-fetched</c>): issue #15's rule ("download 2 GiB
/// of a 1 TiB blob") scaled to a 64 GiB blob holding 20 MiB.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BlobFetchCountTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public BlobFetchCountTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Convert_of_a_sparse_64_GiB_blob_with_20_MiB_of_data_fetches_about_20_MiB()
    {
        _azurite.Require();
        string raw = _folder.File("big.raw");
        var random = new Random(6420);
        using (FileStream file = File.Create(raw))
        {
            file.SetLength(64L << 30);
            for (int i = 0; i < 20; i++)
            {
                var data = new byte[MiB];
                random.NextBytes(data);
                file.Position = (long)i * (3L << 30) + (2 * MiB * random.Next(0, 500));
                file.Write(data);
            }
        }

        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "big.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, url));
        string target = _folder.File("big.vhd");

        ProcessResult result = CliRunner.Run("convert", "--output=json", "-O", "vpc", url, target);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        using (JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "convert"))
        {
            long fetched = document.RootElement.GetProperty("bytes-fetched").GetInt64();
            Assert.True(fetched >= 20 * MiB && fetched <= 24 * MiB, $"the conversion fetched {fetched} bytes of a 64 GiB blob holding 20 MiB");
        }

        PeerTools.RunOk(PeerTools.Require("qemu-img"), "compare", "-f", "vpc", "-F", "raw", target, raw);
    }
}
