using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Interop;

/// <summary>samples/base.vhd (the quick start's parent) holds what samples/README.md says.</summary>
public class SampleTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string SamplePath()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "samples", "base.vhd");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("samples/base.vhd not found above the test folder");
    }

    private static byte[] Expected()
    {
        var content = new byte[16 * 1024 * 1024];
        content.AsSpan(0, 65536).Fill((byte)'V');
        content.AsSpan(1024 * 1024, 4096).Fill((byte)'K');
        return content;
    }

    [Fact]
    public void Sample_holds_the_documented_content()
    {
        using VirtualDisk disk = VirtualDisk.Open(SamplePath(), new VirtualDiskOptions { ReadOnly = true });
        Assert.Equal(VhdDiskType.Dynamic, disk.Layers[0].DiskType);
        Assert.Equal(512 * 1024, disk.Layers[0].BlockSize);
        Assert.Equal("vkit", FourCharacterCode.ToDisplayString(disk.Layers[0].Footer.CreatorApplication));
        ChainBuilder.AssertContent(Expected(), disk);
    }

    [SkippableFact]
    public void Qemu_reads_the_sample_the_same()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string raw = _folder.File("sample.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "vpc", "-O", "raw", SamplePath(), raw);
        ChainBuilder.AssertBytes(Expected(), File.ReadAllBytes(raw));
    }
}
