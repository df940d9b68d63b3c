using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Interop;

/// <summary>Images we create, as qemu-img and libvhdi (vhdiinfo) see them.</summary>
public class CreatedImagesInPeersTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<long> Sizes => new()
    {
        3 * MiB,
        64 * MiB,
        (100 * MiB) + 512, // not a CHS multiple
        2040L * 1024 * MiB, // the largest; sparse
    };

    [SkippableTheory]
    [MemberData(nameof(Sizes))]
    public void Fixed_image_has_the_same_size_and_id_in_qemu_and_libvhdi(long size)
    {
        string path = _folder.File("fixed.vhd");
        CreateOperation.Run(CreateRequest.Fixed(path, size));
        using VhdImage ours = VhdImage.Open(path);
        Assert.Equal(new Peers.QemuInfo("vpc", size), Peers.QemuImgInfo(path, "vpc"));
        Peers.VhdiInfo vhdi = Peers.VhdiInfoOf(path);
        Assert.Equal(("Fixed", size, ours.UniqueId), (vhdi.DiskType, vhdi.MediaSize, vhdi.Identifier));
    }

    [SkippableTheory]
    [MemberData(nameof(Sizes))]
    public void Dynamic_image_has_the_same_size_and_id_in_qemu_and_libvhdi(long size)
    {
        string path = _folder.File("dynamic.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(path, size));
        using VhdImage ours = VhdImage.Open(path);
        Assert.Equal(new Peers.QemuInfo("vpc", size), Peers.QemuImgInfo(path));
        Peers.VhdiInfo vhdi = Peers.VhdiInfoOf(path);
        Assert.Equal(("Dynamic", size, ours.UniqueId), (vhdi.DiskType, vhdi.MediaSize, vhdi.Identifier));
    }

    [SkippableTheory]
    [MemberData(nameof(Sizes))]
    public void Differencing_image_shows_its_parent_id_and_name_in_libvhdi(long size)
    {
        string parent = _folder.File("base/parent disk.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, size));
        string child = _folder.File("child/child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, parent));
        using VhdImage p = VhdImage.Open(parent);
        using VhdImage c = VhdImage.Open(child);
        // qemu opens a differencing VHD as a plain dynamic disk (ignoring the parent), but agrees on the size.
        Assert.Equal(new Peers.QemuInfo("vpc", size), Peers.QemuImgInfo(child));
        Peers.VhdiInfo vhdi = Peers.VhdiInfoOf(child);
        Assert.Equal(
            new Peers.VhdiInfo("Differential", size, c.UniqueId, p.UniqueId, "parent disk.vhd"),
            vhdi);
    }

    [SkippableFact]
    public void Differencing_image_on_a_fixed_parent_shows_its_parent_in_libvhdi()
    {
        string parent = _folder.File("fixed-parent.vhd");
        CreateOperation.Run(CreateRequest.Fixed(parent, 64 * MiB));
        string child = _folder.File("child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, parent));
        using VhdImage p = VhdImage.Open(parent);
        Peers.VhdiInfo vhdi = Peers.VhdiInfoOf(child);
        Assert.Equal(("Differential", 64 * MiB, p.UniqueId, "fixed-parent.vhd"), (vhdi.DiskType, vhdi.MediaSize, vhdi.ParentIdentifier, vhdi.ParentFileName));
    }

    [SkippableFact]
    public void Pyvhdi_reads_a_chain_we_created_with_set_parent()
    {
        string parent = _folder.File("base.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, 8 * MiB));
        string child = _folder.File("child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, parent));
        const string Script = """
            import sys, pyvhdi
            p = pyvhdi.file(); p.open(sys.argv[1])
            c = pyvhdi.file(); c.open(sys.argv[2]); c.set_parent(p)
            data = c.read_buffer(4096)
            print(c.get_media_size(), c.get_disk_type(), len(data), data.count(0))
            """;
        string[] output = PeerTools.Python(Script, parent, child).Split(' ', StringSplitOptions.TrimEntries);
        Assert.Equal(["8388608", "4", "4096", "4096"], output);
    }

    [SkippableFact]
    public void A_rebased_child_whose_header_moved_shows_its_parent_and_content_in_libvhdi_and_qemu()
    {
        string parent = _folder.File("base.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, 8 * MiB));
        string child = _folder.File("child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, parent));
        var block = new byte[2 * MiB]; // a whole block (libvhdi misreads partly written blocks: REFERENCE section 4)
        new Random(61).NextBytes(block);
        using (var disk = VhdKit.Chain.VirtualDisk.Open(child))
        {
            disk.Write(block, 0);
        }

        Directory.CreateDirectory(_folder.File("moved"));
        string moved = _folder.File("moved/renamed base.vhd");
        File.Move(parent, moved);
        RebaseOperation.Run(new RebaseRequest(child, moved));
        using (VhdImage c = VhdImage.Open(child))
        using (VhdImage p = VhdImage.Open(moved))
        {
            Assert.NotEqual(512UL, c.Footer.DataOffset); // the header moved past the blocks
            Assert.Equal(new Peers.QemuInfo("vpc", 8 * MiB), Peers.QemuImgInfo(child));
            Peers.VhdiInfo vhdi = Peers.VhdiInfoOf(child);
            Assert.Equal(("Differential", 8 * MiB, p.UniqueId, "renamed base.vhd"), (vhdi.DiskType, vhdi.MediaSize, vhdi.ParentIdentifier, vhdi.ParentFileName));
        }

        const string Script = """
            import sys, hashlib, pyvhdi
            p = pyvhdi.file(); p.open(sys.argv[1])
            c = pyvhdi.file(); c.open(sys.argv[2]); c.set_parent(p)
            print(hashlib.sha256(c.read_buffer(2 * 1024 * 1024)).hexdigest())
            """;
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(block)).ToLowerInvariant(), PeerTools.Python(Script, moved, child).Trim());
    }
}
