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

    [SkippableFact]
    public void Qemu_io_writes_through_a_writable_serve_of_a_vhdx_chain_land_in_the_leaf()
    {
        string qemuIo = PeerTools.Require("qemu-io");
        string parent = _folder.File("p.vhdx");
        string child = _folder.File("c.vhdx");
        VhdxTestFiles.Create(parent, VhdKit.Format.VhdDiskType.Dynamic, 8L << 20, blockSize: 1 << 20);
        using (var disk = VhdKit.Chain.VirtualDisk.Open(parent))
        {
            disk.Write(Enumerable.Repeat((byte)0x11, 1 << 20).ToArray(), 0);
        }

        VhdxTestFiles.Create(child, VhdKit.Format.VhdDiskType.Differencing, parent: parent);
        byte[] parentBefore = File.ReadAllBytes(parent);
        using (var server = new InProcessServer(child, _folder.File("w.sock"), readOnly: false))
        {
            PeerTools.RunOk(qemuIo, "-f", "raw", "-c", "write -P 0x77 4096 8k", "-c", "read -P 0x11 0 4096", "-c", "read -P 0x77 4096 8k", server.Uri);
        }

        Assert.Equal(parentBefore, File.ReadAllBytes(parent));
        using var read = VhdKit.Chain.VirtualDisk.Open(child, new VhdKit.Chain.VirtualDiskOptions { ReadOnly = true });
        var content = new byte[1 << 20];
        read.Read(content, 0);
        Assert.True(content.AsSpan(0, 4096).IndexOfAnyExcept((byte)0x11) < 0 && content.AsSpan(4096, 8192).IndexOfAnyExcept((byte)0x77) < 0
            && content.AsSpan(12288).IndexOfAnyExcept((byte)0x11) < 0, "the child does not read the parent's bytes with the served write over them");
        Assert.True(VhdxSpecReader.Content(child, child + ".spec", parent).AsSpan(0, 1 << 20).SequenceEqual(content), "the spec reader differs");
    }
}
