using VhdKit.Tests.Nbd;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary><c>vhd serve</c> of a VHDX, read by the real NBD peers with their extent queries on.</summary>
public class VhdxServeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void Nbdcopy_with_extents_of_a_served_vhdx_equals_qemus_content()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string nbdcopy = PeerTools.Require("nbdcopy");
        string path = _folder.File("q.vhdx");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vhdx", "-o", "block_size=1M", path, "8M");
        PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", "write -P 0x5a 1M 64k", path);
        PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", "write -P 0x3c 6M 4k", path);
        string expected = _folder.File("expected.raw");
        PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", path, expected);

        string copy = _folder.File("copy.raw");
        using (var server = new InProcessServer(path, _folder.File("s.sock"), readOnly: true))
        {
            // nbdcopy asks base:allocation and skips what the server calls a hole: a wrong map loses data here.
            PeerTools.RunOk(nbdcopy, server.Uri, copy);
        }

        Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(copy)), "the served VHDX differs from qemu's content");
    }
}
