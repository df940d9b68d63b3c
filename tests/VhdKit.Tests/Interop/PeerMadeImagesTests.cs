using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Interop;

/// <summary>Images made by qemu-img, opened by us.</summary>
public class PeerMadeImagesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableTheory]
    [InlineData("dynamic", "64M", false)]
    [InlineData("dynamic", "104858112", false)]
    [InlineData("dynamic", "104858112", true)]
    [InlineData("fixed", "64M", false)]
    [InlineData("fixed", "104858112", true)]
    public void We_report_the_size_qemu_reports(string subformat, string size, bool forceSize)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string path = _folder.File($"q-{subformat}.vhd");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vpc", "-o", $"subformat={subformat},force_size={(forceSize ? "on" : "off")}", path, size);
        Peers.QemuInfo qemu = Peers.QemuImgInfo(path, "vpc");
        using VhdImage ours = VhdImage.Open(path);
        Assert.Empty(ours.Warnings);
        Assert.Equal(subformat == "fixed" ? VhdDiskType.Fixed : VhdDiskType.Dynamic, ours.DiskType);
        Assert.Equal(qemu.VirtualSize, ours.Capacity);
        Assert.Equal(forceSize ? "qem2" : "qemu", FourCharacterCode.ToDisplayString(ours.Footer.CreatorApplication));
    }

    [SkippableFact]
    public void A_qemu_made_dynamic_disk_with_data_can_be_a_parent()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string parent = _folder.File("q.vhd");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vpc", parent, "32M");
        PeerTools.RunOk(qemuIo, "-f", "vpc", "-c", "write -P 0xab 0 1M", parent);
        using (VhdImage image = VhdImage.Open(parent))
        {
            Assert.Equal(1, image.Bat!.AllocatedCount());
        }

        string child = _folder.File("child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(child, parent));
        using VhdChain chain = VhdChain.Open(child);
        Assert.Equal(chain.Base.Capacity, chain.Leaf.Capacity);
        Assert.Equal(chain.Base.UniqueId, chain.Leaf.Header!.Value.ParentUniqueId);
    }

    [SkippableTheory]
    [InlineData("dynamic", (100L * 1024 * 1024) + 512)] // grow to a size C*H*S does not address
    [InlineData("dynamic", 3L * 1024 * 1024)] // shrink
    [InlineData("fixed", (100L * 1024 * 1024) + 512)]
    public void A_resized_qemu_made_image_has_the_exact_size_in_qemu_and_libvhdi(string subformat, long size)
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string path = _folder.File($"q-{subformat}.vhd");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vpc", "-o", $"subformat={subformat}", path, "64M");
        ResizeOperation.Run(new ResizeRequest(path, size));
        Assert.Equal(size, Peers.QemuImgInfo(path, "vpc").VirtualSize);
        Assert.Equal(size, Peers.VhdiInfoOf(path).MediaSize);
        using VhdImage ours = VhdImage.Open(path);
        Assert.Equal(DiskGeometry.FromCapacity(size), ours.Footer.Geometry);
    }
}
