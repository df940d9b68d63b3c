using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Azure;

/// <summary>What the Azure tests check of a page blob: its bytes, its page ranges, and that it reads back as the fixed VHD of a model.</summary>
internal static class PageBlobChecks
{
    public static long NonZeroPageBytes(byte[] model)
    {
        long bytes = 0;
        for (int page = 0; page < model.Length; page += 512)
        {
            if (model.AsSpan(page, Math.Min(512, model.Length - page)).IndexOfAnyExcept((byte)0) >= 0)
            {
                bytes += 512;
            }
        }

        return bytes;
    }

    public static long PageRangeBytes(PageBlobClient blob)
    {
        long bytes = 0;
        foreach (PageRangeItem range in blob.GetAllPageRanges())
        {
            bytes += range.Range.Length!.Value;
        }

        return bytes;
    }

    public static byte[] Download(BlobContainerClient container, string name)
    {
        using var memory = new MemoryStream();
        container.GetBlobClient(name).DownloadTo(memory);
        return memory.ToArray();
    }

    /// <summary>The blob is <paramref name="model"/> and a fixed footer; <c>vhd info</c> reads it as fixed, qemu-img finds it equal to the model, and <c>vhd compare</c> to the local source <paramref name="local"/> (through its chain).</summary>
    public static void AssertBlobIsFixedVhdOf(TempFolder folder, BlobContainerClient container, string name, byte[] model, string? local)
    {
        byte[] blob = Download(container, name);
        Assert.Equal(model.Length + 512, blob.Length);
        ChainBuilder.AssertBytes(model, blob[..model.Length]);
        VhdFooter footer = VhdFooter.Parse(blob.AsSpan(model.Length));
        Assert.True(footer.HasValidCookie && footer.ChecksumMatches);
        Assert.Equal(VhdDiskType.Fixed, footer.DiskType);
        Assert.Equal((ulong)model.Length, footer.CurrentSize);

        string downloaded = folder.File(name + ".downloaded.vhd");
        File.WriteAllBytes(downloaded, blob);
        ProcessResult info = CliRunner.Run("info", "--output=json", downloaded);
        Assert.True(info.ExitCode == 0, info.Stderr);
        using (JsonDocument document = JsonDocument.Parse(info.Stdout))
        {
            JsonElement image = document.RootElement.GetProperty("images")[0];
            Assert.Equal("fixed", image.GetProperty("subformat").GetString());
            Assert.Equal(model.Length, image.GetProperty("virtual-size").GetInt64());
        }

        using (VirtualDisk disk = VirtualDisk.Open(downloaded, new VirtualDiskOptions { ReadOnly = true }))
        {
            ChainBuilder.AssertContent(model, disk);
        }

        // qemu-img reads no VHD differencing disk, so it compares with the flattened disk (the model) as a raw file.
        string flattened = folder.File(name + ".flattened.raw");
        File.WriteAllBytes(flattened, model);
        PeerTools.RunOk(PeerTools.Require("qemu-img"), "compare", "-f", "vpc", "-F", "raw", downloaded, flattened);
        if (local is not null)
        {
            ProcessResult same = CliRunner.Run("compare", downloaded, local);
            Assert.True(same.ExitCode == 0, same.Stdout + same.Stderr);
        }
    }
}
