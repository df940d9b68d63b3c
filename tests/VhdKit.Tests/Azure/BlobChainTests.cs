using System.Text;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>
/// Differencing disks stored as blobs (issue #15): a chain held wholly in blobs, and a blob child on a blob parent, find
/// their parents beside them in the container (relative locators, the parent name) or by URL (Url8), with the child's
/// credential, and read as the local chain; a locator cannot take the credential out of the container.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BlobChainTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public BlobChainTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData(".vhd")]
    [InlineData(".vhdx")]
    public void Chain_held_wholly_in_blobs_reads_info_check_and_converts_as_the_local_chain(string extension)
    {
        _azurite.Require();
        ChainBuilder local = new ChainBuilder(_folder.Path, 16 * MiB, extension == ".vhd" ? 1521 : 1522) { Extension = extension };
        for (int layer = 0; layer < 3; layer++)
        {
            local.AddLayer(writes: 5, maxWrite: 2 * 1024 * 1024);
        }

        BlobContainerClient container = _azurite.NewContainer();
        foreach (string layer in local.Layers)
        {
            Azurite.PutPageBlob(container, "disks/" + Path.GetFileName(layer), layer);
        }

        string leaf = "disks/" + Path.GetFileName(local.Leaf);
        IReadOnlyDictionary<string, string?> environment = _azurite.CredentialEnvironment;

        ProcessResult info = CliRunner.RunWith(environment, "info", "--chain", "--output=json", _azurite.Url(container, leaf));
        Assert.True(info.ExitCode == 0, info.Stderr + info.Stdout);
        using (System.Text.Json.JsonDocument document = JsonSchemaCheck.AssertValid(info.Stdout, "info"))
        {
            Assert.Equal(3, document.RootElement.GetProperty(extension == ".vhd" ? "images" : "vhdx-images").GetArrayLength());
        }

        Assert.Contains(_azurite.Url(container, "disks/layer0" + extension), info.Stdout, StringComparison.Ordinal);
        ProcessResult check = CliRunner.RunWith(environment, "check", "--chain", _azurite.Url(container, leaf));
        Assert.True(check.ExitCode == 0, check.Stderr + check.Stdout);

        // With a container SAS token and no other credential: the parents are opened with the child's token.
        string converted = _folder.File("flat.raw");
        ProcessResult convert = CliRunner.Run("convert", "-O", "raw", ContainerSasUrl(container, leaf), converted);
        Assert.True(convert.ExitCode == 0, convert.Stderr + convert.Stdout);
        Assert.DoesNotContain("sig=", convert.Stdout + convert.Stderr, StringComparison.Ordinal);
        Assert.Equal(local.Model, File.ReadAllBytes(converted));

        using VirtualDisk disk = VirtualDisk.Open(ContainerSasUrl(container, leaf), new VirtualDiskOptions { ReadOnly = true });
        if (extension == ".vhd")
        {
            Assert.Equal(3, disk.Layers.Length); // (a VHDX chain's layers are not VhdImages)
        }

        ChainBuilder.AssertContent(local.Model, disk);
    }

    [SkippableFact]
    public async Task Blob_child_on_a_blob_parent_reads_as_the_local_chain_with_the_environments_or_the_childs_credential()
    {
        _azurite.Require();
        var golden = new ChainBuilder(_folder.Path, 8 * MiB, 1523);
        golden.AddLayer(writes: 3);
        BlobContainerClient container = _azurite.NewContainer();
        await UploadOperation.RunAsync(new UploadRequest(golden.Leaf, _azurite.SasUrl(container, "golden.vhd")));
        string child = _folder.File("child.vhd");
        IReadOnlyDictionary<string, string?> environment = _azurite.CredentialEnvironment;
        ProcessResult created = CliRunner.RunWith(environment, "create", "--parent", _azurite.Url(container, "golden.vhd"), child);
        Assert.True(created.ExitCode == 0, created.Stderr);
        byte[] model = golden.Model.ToArray();
        using (VirtualDisk disk = VirtualDisk.Open(child))
        {
            byte[] data = Enumerable.Repeat((byte)0xC7, (int)MiB).ToArray();
            disk.Write(data, 3 * MiB);
            data.CopyTo(model, 3 * MiB);
        }

        Azurite.PutPageBlob(container, "vm1/child.vhd", child);
        string withEnvironment = _folder.File("env.raw");
        string withToken = _folder.File("sas.raw");

        ProcessResult first = CliRunner.RunWith(environment, "convert", "-O", "raw", _azurite.Url(container, "vm1/child.vhd"), withEnvironment);
        ProcessResult second = CliRunner.Run("convert", "-O", "raw", ContainerSasUrl(container, "vm1/child.vhd"), withToken);

        Assert.True(first.ExitCode == 0, first.Stderr + first.Stdout);
        Assert.True(second.ExitCode == 0, second.Stderr + second.Stdout);
        Assert.Equal(model, File.ReadAllBytes(withEnvironment));
        Assert.Equal(model, File.ReadAllBytes(withToken));
    }

    [SkippableFact]
    public async Task Blob_child_whose_url8_locator_names_another_host_never_sends_the_childs_token_there()
    {
        _azurite.Require();
        var golden = new ChainBuilder(_folder.Path, 8 * MiB, 1524);
        golden.AddLayer(writes: 2);
        BlobContainerClient parents = _azurite.NewContainer();
        await UploadOperation.RunAsync(new UploadRequest(golden.Leaf, _azurite.SasUrl(parents, "golden.vhd")));
        string child = _folder.File("child.vhd");
        string original = _azurite.Url(parents, "golden.vhd");
        Assert.True(CliRunner.RunWith(_azurite.CredentialEnvironment, "create", "--parent", original, child).ExitCode == 0);

        // The locator rewritten in place to a host of the same length that is not Azure Storage.
        string prefix = "https://evil.example.com/c/";
        string hostile = prefix + new string('a', original.Length - prefix.Length - "/g.vhd".Length) + "/g.vhd";
        byte[] bytes = File.ReadAllBytes(child);
        int at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(original));
        Assert.True(at > 0, "the Url8 locator was not found in the child");
        Encoding.UTF8.GetBytes(hostile).CopyTo(bytes, at);
        File.WriteAllBytes(child, bytes);
        BlobContainerClient children = _azurite.NewContainer();
        Azurite.PutPageBlob(children, "child.vhd", child);

        ProcessResult info = CliRunner.Run("info", "--chain", ContainerSasUrl(children, "child.vhd"));

        Assert.Equal(1, info.ExitCode);
        Assert.Contains("sent only to Azure Storage hosts", info.Stderr, StringComparison.Ordinal);
        Assert.Contains("https://evil.example.com/c/", info.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", info.Stdout + info.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_locators_resolve_within_the_childs_container_and_urls_get_the_token_only_there()
    {
        var child = new Uri("https://acct.blob.core.windows.net/vhds/vm1/child.vhd?sv=2024-01-01&sig=SECRET");

        Assert.Equal("https://acct.blob.core.windows.net/vhds/base.vhd?sv=2024-01-01&sig=SECRET", BlobLocations.Resolve(child, "../base.vhd"));
        Assert.Equal("https://acct.blob.core.windows.net/vhds/vm1/base.vhd?sv=2024-01-01&sig=SECRET", BlobLocations.Resolve(child, "./base.vhd"));
        Assert.Null(BlobLocations.Resolve(child, "../../other/base.vhd"));
        Assert.Null(BlobLocations.Resolve(child, ".."));
        Assert.Equal("https://acct.blob.core.windows.net/vhds/vm1/base.vhd?sv=2024-01-01&sig=SECRET",
            BlobLocations.WithCredential(child, "https://acct.blob.core.windows.net/vhds/vm1/base.vhd"));
        foreach (string elsewhere in new[]
                 {
                     "https://evil.example.com/vhds/vm1/base.vhd", "https://other.blob.core.windows.net/vhds/base.vhd",
                     "https://acct.blob.core.windows.net/other/base.vhd", "http://acct.blob.core.windows.net/vhds/base.vhd",
                     "https://acct.blob.core.windows.net:444/vhds/base.vhd", "https://acct.blob.core.windows.net/vhds/base.vhd?sv=x",
                 })
        {
            Assert.Equal(elsewhere, BlobLocations.WithCredential(child, elsewhere));
        }

        // A locator that is no relative path names nothing for a blob child.
        var storage = new FakeLocations();
        Assert.Null(ParentPaths.ToRemoteLocation(ParentLocatorPlatform.W2ru, @"C:\vhds\base.vhd", storage));
        Assert.Null(ParentPaths.ToRemoteLocation(ParentLocatorPlatform.W2ku, @"\\server\share\base.vhd", storage));
        Assert.Null(ParentPaths.ToRemoteLocation(ParentLocatorPlatform.W2ru, "/etc/base.vhd", storage));
        Assert.Null(ParentPaths.ToRemoteLocation(ParentLocatorPlatform.MacX, "file:///srv/base.vhd", storage));
        Assert.Equal("resolved:../base.vhd", ParentPaths.ToRemoteLocation(ParentLocatorPlatform.W2ru, @"..\base.vhd", storage));
        Assert.Equal("resolved:base/k.vhd", ParentPaths.ToRemoteLocation(ParentLocatorPlatform.MacX, "file://base/k.vhd", storage));
    }

    private string ContainerSasUrl(BlobContainerClient container, string blob)
    {
        var sas = new BlobSasBuilder(BlobContainerSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1)) { BlobContainerName = container.Name, Resource = "c" };
        return $"{_azurite.Url(container, blob)}?{sas.ToSasQueryParameters(new StorageSharedKeyCredential(Azurite.Account, Azurite.Key))}";
    }

    private sealed class FakeLocations : VhdKit.Storage.IRelativeLocations
    {
        public string? Resolve(string relativePath) => "resolved:" + relativePath;

        public string WithCredential(string url) => url;
    }
}
