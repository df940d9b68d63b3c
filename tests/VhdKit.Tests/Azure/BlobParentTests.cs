using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Nbd;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// A local child on a blob parent (issue #15): <c>vhd create --parent BLOB_URL child.vhd</c> records the URL in a Url8
/// parent locator without its SAS token; reading the chain resolves it with the environment's credential; writes go to
/// the child only; <c>vhd read|convert|serve</c> of the child equal the local chain's content.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BlobParentTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public BlobParentTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Create_parent_blob_url_records_the_url_in_a_url8_locator_without_the_sas_token()
    {
        _azurite.Require();
        BlobContainerClient container = await GoldenImage(1511, 16 * MiB);
        string sasUrl = _azurite.SasUrl(container, "golden.vhd");
        string child = _folder.File("child.vhd");

        ProcessResult created = CliRunner.Run("create", "--output=json", "--parent", sasUrl, child);

        Assert.True(created.ExitCode == 0, created.Stderr + created.Stdout);
        Assert.DoesNotContain("sig=", created.Stdout + created.Stderr, StringComparison.Ordinal);
        JsonSchemaCheck.AssertValid(created.Stdout, "create").Dispose();
        ProcessResult info = CliRunner.Run("info", "--output=json", child);
        Assert.True(info.ExitCode == 0, info.Stderr);
        using (System.Text.Json.JsonDocument document = JsonSchemaCheck.AssertValid(info.Stdout, "info"))
        {
            Assert.Equal(_azurite.Url(container, "golden.vhd"), document.RootElement.GetProperty("images")[0].GetProperty("backing-filename").GetString());
        }

        byte[] file = File.ReadAllBytes(child);
        Assert.True(file.AsSpan().IndexOf("sig="u8) < 0, "the child holds the SAS signature");
        Assert.True(file.AsSpan().IndexOf(Encoding.Unicode.GetBytes("sig=")) < 0, "the child holds the SAS signature (UTF-16)");
        using VhdImage image = VhdImage.Open(child);
        ParentLocator locator = Assert.Single(image.Locators);
        Assert.Equal(ParentLocatorPlatform.Url8, locator.Platform);
        Assert.Equal(_azurite.Url(container, "golden.vhd"), locator.Text);
        Assert.Equal("golden.vhd", image.Header!.Value.ParentName);
        Assert.Equal(0u, image.Header.Value.ParentTimestamp);

        // vhd check of the child alone knows the code: no unknown-platform warning.
        ProcessResult check = CliRunner.Run("check", child);
        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.DoesNotContain("PlatformCode", check.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Read_convert_and_serve_of_a_local_child_on_a_blob_parent_equal_the_local_chain_and_writes_stay_local()
    {
        _azurite.Require();
        var local = new ChainBuilder(_folder.Path, 16 * MiB, seed: 1512);
        local.AddLayer(writes: 6, maxWrite: 2 * 1024 * 1024);
        BlobContainerClient container = _azurite.NewContainer();
        await UploadOperation.RunAsync(new UploadRequest(local.Leaf, _azurite.SasUrl(container, "golden.vhd")));
        PageBlobClient golden = container.GetPageBlobClient("golden.vhd");
        ETag before = golden.GetProperties().Value.ETag;
        string child = _folder.File("child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, _azurite.SasUrl(container, "golden.vhd")));

        // Writes through the chain (parent resolved through the Url8 locator) land in the child.
        byte[] model = (byte[])local.Model.Clone();
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            Assert.Equal(_azurite.Url(container, "golden.vhd"), disk.LayerPath(1));
            var random = new Random(1512);
            for (int i = 0; i < 5; i++)
            {
                var data = new byte[random.Next(1, 1_500_000)];
                random.NextBytes(data);
                long at = random.NextInt64(0, model.Length - data.Length);
                disk.Write(data, at);
                data.CopyTo(model, at);
            }

            disk.Flush();
        }

        Assert.Equal(before, golden.GetProperties().Value.ETag);
        IReadOnlyDictionary<string, string?> environment = _azurite.CredentialEnvironment;

        string range = _folder.File("range.bin");
        ProcessResult read = CliRunner.RunWith(environment, "read", child, "--offset", "777", "--length", "9000000", "--to", range);
        Assert.True(read.ExitCode == 0, read.Stderr);
        Assert.Equal(model.AsSpan(777, 9_000_000).ToArray(), File.ReadAllBytes(range));

        string converted = _folder.File("flat.raw");
        ProcessResult convert = CliRunner.RunWith(environment, "convert", "-O", "raw", child, converted);
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        Assert.Equal(model, File.ReadAllBytes(converted));

        string qemuImg = PeerTools.Require("qemu-img");
        string socket = _folder.File("child.sock");
        using (ServeProcess server = ServeProcess.StartWith(environment, child, socket, "--read-only"))
        {
            string served = _folder.File("served.raw");
            PeerTools.RunOk(qemuImg, "convert", "-f", "raw", "-O", "raw", server.Uri, served);
            Assert.Equal(model, File.ReadAllBytes(served));
            Assert.Equal(0, server.Stop());
        }

        ProcessResult info = CliRunner.RunWith(environment, "info", "--chain", child);
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains(_azurite.Url(container, "golden.vhd"), info.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, golden.GetProperties().Value.ETag);
    }

    [SkippableFact]
    public async Task Qemu_img_and_vhdiinfo_read_a_child_on_a_blob_parent_without_crashing()
    {
        _azurite.Require();
        BlobContainerClient container = await GoldenImage(1513, 8 * MiB);
        string child = _folder.File("child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, _azurite.SasUrl(container, "golden.vhd")));

        // qemu-img ignores every parent locator; vhdiinfo lists the parent's name and id. Neither follows the URL or fails.
        string qemu = PeerTools.RunOk(PeerTools.Require("qemu-img"), "info", "-f", "vpc", child);
        Assert.Contains("virtual size: 8 MiB", qemu, StringComparison.Ordinal);
        string vhdi = PeerTools.RunOk(PeerTools.Require("vhdiinfo"), child);
        Assert.Contains("Differential", vhdi, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<BlobContainerClient> GoldenImage(int seed, long capacity)
    {
        var local = new ChainBuilder(_folder.Path, capacity, seed);
        local.AddLayer(writes: 3);
        BlobContainerClient container = _azurite.NewContainer();
        await UploadOperation.RunAsync(new UploadRequest(local.Leaf, _azurite.SasUrl(container, "golden.vhd")));
        return container;
    }
}
