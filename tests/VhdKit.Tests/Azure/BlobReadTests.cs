using System.Text.Json;
using Azure.Storage.Blobs;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Operations;
using VhdKit.Storage;
using VhdKit.Tests.Nbd;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// A blob opened in place by the CLI (issue #15): <c>vhd info|map|read|compare|convert|check|serve BLOB_URL</c> on a
/// fixed VHD page blob, a dynamic VHD stored as a blob and a raw blob, each equal to the local file's content, with no
/// SAS signature in any output.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BlobReadTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public BlobReadTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Info_read_map_check_and_compare_of_a_fixed_vhd_page_blob_equal_the_local_disk()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 24 * MiB, seed: 1501);
        chain.AddLayer(writes: 6, maxWrite: 3 * 1024 * 1024);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "fixed.vhd");
        await UploadOperation.RunAsync(new UploadRequest(chain.Leaf, url));

        ProcessResult info = CliRunner.Run("info", "--output=json", url);
        Assert.True(info.ExitCode == 0, info.Stderr + info.Stdout);
        AssertNoSignature(info);
        using (JsonDocument document = JsonSchemaCheck.AssertValid(info.Stdout, "info"))
        {
            JsonElement image = document.RootElement.GetProperty("images")[0];
            Assert.Equal("fixed", image.GetProperty("subformat").GetString());
            Assert.Equal(StorageLocations.Display(url), document.RootElement.GetProperty("filename").GetString());
        }

        string range = _folder.File("range.bin");
        ProcessResult read = CliRunner.Run("read", url, "--offset", "5000000", "--length", "3000000", "--to", range);
        Assert.True(read.ExitCode == 0, read.Stderr);
        Assert.Equal(chain.Model.AsSpan(5_000_000, 3_000_000).ToArray(), File.ReadAllBytes(range));

        foreach (string[] verb in new[] { new[] { "map", url }, ["check", url], ["compare", url, chain.Leaf] })
        {
            ProcessResult result = CliRunner.Run(verb);
            Assert.True(result.ExitCode == 0, $"vhd {verb[0]}: {result.Stderr}{result.Stdout}");
            AssertNoSignature(result);
        }
    }

    [SkippableFact]
    public async Task Convert_and_serve_of_a_fixed_vhd_page_blob_equal_the_local_disk()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 24 * MiB, seed: 1502);
        chain.AddLayer(writes: 6, maxWrite: 3 * 1024 * 1024);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "fixed.vhd");
        await UploadOperation.RunAsync(new UploadRequest(chain.Leaf, url));
        string qemuImg = PeerTools.Require("qemu-img");

        string converted = _folder.File("converted.vhd");
        ProcessResult convert = CliRunner.Run("convert", "--output=json", "-O", "vpc", url, converted);
        Assert.True(convert.ExitCode == 0, convert.Stderr + convert.Stdout);
        AssertNoSignature(convert);
        JsonSchemaCheck.AssertValid(convert.Stdout, "convert").Dispose();
        PeerTools.RunOk(qemuImg, "compare", "-f", "vpc", "-F", "vpc", converted, chain.Leaf);

        string socket = _folder.File("blob.sock");
        using ServeProcess server = ServeProcess.Start(url, socket, "--read-only");
        string served = _folder.File("served.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "raw", "-O", "raw", server.Uri, served);
        Assert.Equal(chain.Model, File.ReadAllBytes(served));
        Assert.DoesNotContain("sig=", server.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, server.Stop());
    }

    [SkippableFact]
    public void A_dynamic_vhd_and_a_raw_disk_stored_as_blobs_read_as_their_local_files()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 20 * MiB, seed: 1503);
        chain.AddLayer(writes: 5, maxWrite: 2 * 1024 * 1024);
        string raw = _folder.File("disk.raw");
        File.WriteAllBytes(raw, chain.Model);
        BlobContainerClient container = _azurite.NewContainer();
        Azurite.PutPageBlob(container, "dynamic.vhd", chain.Leaf);
        Azurite.PutPageBlob(container, "disk.raw", raw);
        string dynamicUrl = _azurite.SasUrl(container, "dynamic.vhd");
        string rawUrl = _azurite.SasUrl(container, "disk.raw");

        string range = _folder.File("range.bin");
        ProcessResult read = CliRunner.Run("read", dynamicUrl, "--offset", "1048000", "--length", "4000000", "--to", range);
        Assert.True(read.ExitCode == 0, read.Stderr);
        Assert.Equal(chain.Model.AsSpan(1_048_000, 4_000_000).ToArray(), File.ReadAllBytes(range));

        string fromDynamic = _folder.File("from-dynamic.raw");
        ProcessResult convert = CliRunner.Run("convert", "-O", "raw", dynamicUrl, fromDynamic);
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        Assert.Equal(chain.Model, File.ReadAllBytes(fromDynamic));

        string fromRaw = _folder.File("from-raw.vhd");
        ProcessResult convertRaw = CliRunner.Run("convert", "-f", "raw", "-O", "vpc", rawUrl, fromRaw);
        Assert.True(convertRaw.ExitCode == 0, convertRaw.Stderr);
        using (VirtualDisk disk = VirtualDisk.Open(fromRaw, new VirtualDiskOptions { ReadOnly = true }))
        {
            ChainBuilder.AssertContent(chain.Model, disk);
        }

        ProcessResult compare = CliRunner.Run("compare", rawUrl, chain.Leaf);
        Assert.True(compare.ExitCode == 0, compare.Stderr + compare.Stdout);
    }

    [SkippableFact]
    public void A_dynamic_vhdx_stored_as_a_blob_reads_info_and_converts_as_the_local_file_and_refuses_writes()
    {
        _azurite.Require();
        var model = new byte[24 * MiB];
        new Random(1505).NextBytes(model.AsSpan((int)(2 * MiB), (int)(3 * MiB)));
        new Random(1506).NextBytes(model.AsSpan((int)(20 * MiB), (int)MiB));
        string raw = _folder.File("disk.raw");
        File.WriteAllBytes(raw, model);
        string vhdx = _folder.File("disk.vhdx");
        ProcessResult made = CliRunner.Run("convert", "-O", "vhdx", "-o", "block_size=1M", raw, vhdx);
        Assert.True(made.ExitCode == 0, made.Stderr);
        BlobContainerClient container = _azurite.NewContainer();
        Azurite.PutPageBlob(container, "disk.vhdx", vhdx);
        string url = _azurite.SasUrl(container, "disk.vhdx");

        ProcessResult info = CliRunner.Run("info", url);
        Assert.True(info.ExitCode == 0, info.Stderr);
        Assert.Contains("25165824", info.Stdout, StringComparison.Ordinal);

        string range = _folder.File("range.bin");
        ProcessResult read = CliRunner.Run("read", url, "--offset", "2000000", "--length", "3000000", "--to", range);
        Assert.True(read.ExitCode == 0, read.Stderr);
        Assert.Equal(model.AsSpan(2_000_000, 3_000_000).ToArray(), File.ReadAllBytes(range));

        string flat = _folder.File("flat.raw");
        ProcessResult convert = CliRunner.Run("convert", "-O", "raw", url, flat);
        Assert.True(convert.ExitCode == 0, convert.Stderr);
        Assert.Equal(model, File.ReadAllBytes(flat));

        ProcessResult write = CliRunner.Run("write", url, "--offset", "0", "--from", raw);
        Assert.Equal(1, write.ExitCode);
        Assert.Contains("never writes", write.Stderr, StringComparison.Ordinal);
        AssertNoSignature(info);
        AssertNoSignature(write);
    }

    [SkippableFact]
    public async Task Serving_a_blob_writable_is_refused_in_one_line()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 8 * MiB, seed: 1504);
        chain.AddLayer(writes: 2);
        BlobContainerClient container = _azurite.NewContainer();
        string url = _azurite.SasUrl(container, "fixed.vhd");
        await UploadOperation.RunAsync(new UploadRequest(chain.Leaf, url));

        ProcessResult write = CliRunner.Run("write", url, "--offset", "0", "--from", chain.Leaf);

        Assert.Equal(1, write.ExitCode);
        Assert.Single(write.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("never writes", write.Stderr, StringComparison.Ordinal);
        AssertNoSignature(write);
    }

    private static void AssertNoSignature(ProcessResult result)
    {
        Assert.DoesNotContain("sig=", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Azurite.Key, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }
}
