using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Azure;
using VhdKit.Chain;
using VhdKit.Tests.Support;
using static VhdKit.Tests.Azure.PageBlobChecks;

namespace VhdKit.Tests.Azure;

/// <summary>
/// <c>vhd upload --base</c> against Azurite: a differencing disk becomes a server-side copy of its parent's blob plus
/// its own sectors, and a base that is not its parent (another id, another size, the same id with other content) is
/// refused before anything is written.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class UploadBaseTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly Azurite _azurite;
    private readonly TempFolder _folder = new();

    public UploadBaseTests(Azurite azurite) => _azurite = azurite;

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task Upload_cli_with_base_is_the_childs_content_and_sends_only_the_childs_own_sectors()
    {
        _azurite.Require();
        var chain = new ChainBuilder(_folder.Path, 24 * MiB, seed: 1501);
        chain.AddLayer(writes: 8, maxWrite: 3 * 1024 * 1024);
        BlobContainerClient container = _azurite.NewContainer();
        string baseUrl = _azurite.SasUrl(container, "base.vhd");
        await UploadOperation.RunAsync(new UploadRequest(chain.Leaf, baseUrl));
        chain.AddLayer(writes: 4, maxWrite: 1024 * 1024);
        long zeroed = ZeroOverParentData(chain, 256 * 1024);
        long own = OwnBytes(chain.Leaf);

        ProcessResult result = CliRunner.Run("upload", "--output=json", "--base", baseUrl, chain.Leaf, _azurite.SasUrl(container, "child.vhd"));

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.DoesNotContain("sig=", result.Stdout + result.Stderr, StringComparison.Ordinal);
        using JsonDocument document = JsonSchemaCheck.AssertValid(result.Stdout, "upload");
        Assert.EndsWith("/base.vhd" + BlobAddress.RedactedQuery, document.RootElement.GetProperty("base-url").GetString(), StringComparison.Ordinal);
        long sent = document.RootElement.GetProperty("bytes-sent").GetInt64();
        Assert.True(sent <= own - zeroed + 512, $"sent {sent} bytes; the child holds {own} bytes of its own, {zeroed} of them zeros");
        AssertBlobIsFixedVhdOf(_folder, container, "child.vhd", chain.Model, chain.Leaf);
        Assert.Empty(container.GetBlobClient("child.vhd").GetProperties().Value.Metadata);
    }

    [SkippableFact]
    public async Task Upload_with_a_base_of_another_id_is_refused_before_any_write()
    {
        _azurite.Require();
        (ChainBuilder chain, BlobContainerClient container) = await ChildWithUploadedParentAsync();
        var stranger = new ChainBuilder(Directory.CreateDirectory(_folder.File("stranger")).FullName, 16 * MiB, seed: 2);
        stranger.AddLayer(writes: 3);
        string strangerUrl = _azurite.SasUrl(container, "stranger.vhd");
        await UploadOperation.RunAsync(new UploadRequest(stranger.Leaf, strangerUrl));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => UploadOperation.RunAsync(Patch(chain, container, strangerUrl)));

        Assert.Contains("unique id", refused.Message, StringComparison.Ordinal);
        Assert.False(container.GetBlobClient("target.vhd").Exists().Value);
    }

    [SkippableFact]
    public async Task Upload_with_a_base_of_another_size_is_refused_before_any_write()
    {
        _azurite.Require();
        (ChainBuilder chain, BlobContainerClient container) = await ChildWithUploadedParentAsync();
        string raw = _folder.File("other-size.raw");
        File.WriteAllBytes(raw, Enumerable.Repeat((byte)9, (int)(8 * MiB)).ToArray());
        string otherUrl = _azurite.SasUrl(container, "other-size.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, otherUrl));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => UploadOperation.RunAsync(Patch(chain, container, otherUrl)));

        Assert.Contains($"expected a disk of {16 * MiB} bytes", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"the blob's is {8 * MiB} bytes", refused.Message, StringComparison.Ordinal);
        Assert.False(container.GetBlobClient("target.vhd").Exists().Value);
    }

    [SkippableFact]
    public async Task Upload_with_a_base_of_the_same_id_but_other_content_is_refused_and_an_existing_target_is_kept()
    {
        _azurite.Require();
        (ChainBuilder chain, BlobContainerClient container) = await ChildWithUploadedParentAsync();
        string raw = _folder.File("impostor.raw");
        var other = new byte[16 * MiB];
        new Random(77).NextBytes(other);
        File.WriteAllBytes(raw, other);
        string impostorUrl = _azurite.SasUrl(container, "impostor.vhd");
        await UploadOperation.RunAsync(new UploadRequest(raw, impostorUrl));
        // The impostor takes the real base's footer: same id, same size, other content.
        byte[] footer = container.GetPageBlobClient("base.vhd").DownloadContent(new BlobDownloadOptions { Range = new HttpRange(16 * MiB, 512) }).Value.Content.ToArray();
        container.GetPageBlobClient("impostor.vhd").UploadPages(new MemoryStream(footer), 16 * MiB);
        string targetUrl = _azurite.SasUrl(container, "target.vhd");
        container.GetPageBlobClient("target.vhd").Create(1024 * 1024);
        byte[] before = Download(container, "target.vhd");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            UploadOperation.RunAsync(new UploadRequest(chain.Leaf, targetUrl) { BaseUrl = impostorUrl, Overwrite = true }));

        Assert.Contains("differ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, Download(container, "target.vhd"));
    }

    [SkippableFact]
    public async Task Upload_with_base_of_a_disk_that_is_not_differencing_is_refused_before_any_write()
    {
        _azurite.Require();
        (ChainBuilder chain, BlobContainerClient container) = await ChildWithUploadedParentAsync();

        var refused = await Assert.ThrowsAsync<ArgumentException>(() =>
            UploadOperation.RunAsync(new UploadRequest(chain.Layers[0], _azurite.SasUrl(container, "target.vhd")) { BaseUrl = _azurite.SasUrl(container, "base.vhd") }));

        Assert.Contains("--base needs a differencing VHD", refused.Message, StringComparison.Ordinal);
        Assert.False(container.GetBlobClient("target.vhd").Exists().Value);
    }

    /// <summary>A 16 MiB parent uploaded as base.vhd, and a differencing child on it.</summary>
    private async Task<(ChainBuilder Chain, BlobContainerClient Container)> ChildWithUploadedParentAsync()
    {
        var chain = new ChainBuilder(_folder.Path, 16 * MiB, seed: 1502);
        chain.AddLayer(writes: 5);
        BlobContainerClient container = _azurite.NewContainer();
        await UploadOperation.RunAsync(new UploadRequest(chain.Leaf, _azurite.SasUrl(container, "base.vhd")));
        chain.AddLayer(writes: 3);
        return (chain, container);
    }

    private UploadRequest Patch(ChainBuilder chain, BlobContainerClient container, string baseUrl) =>
        new(chain.Leaf, _azurite.SasUrl(container, "target.vhd")) { BaseUrl = baseUrl };

    /// <summary>Writes <paramref name="length"/> zero bytes in the child over the parent's first data run (they must hide it); returns the bytes written.</summary>
    private static long ZeroOverParentData(ChainBuilder chain, int length)
    {
        long offset;
        using (VirtualDisk parent = VirtualDisk.Open(chain.Layers[0], new VirtualDiskOptions { ReadOnly = true }))
        {
            offset = parent.GetAllocatedRanges()[0].Offset / 512 * 512;
        }

        using VirtualDisk child = VirtualDisk.Open(chain.Leaf);
        length = (int)Math.Min(length, chain.Model.Length - offset);
        child.Write(new byte[length], offset);
        chain.Model.AsSpan((int)offset, length).Clear();
        return length;
    }

    private static long OwnBytes(string leaf)
    {
        using VirtualDisk disk = VirtualDisk.Open(leaf, new VirtualDiskOptions { ReadOnly = true });
        return disk.GetExtents().Where(e => e.Layer == 0).Sum(e => e.Length);
    }
}
