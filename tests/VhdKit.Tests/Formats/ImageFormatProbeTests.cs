using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Formats;

/// <summary>Formats told by content, with images made by the real qemu-img where it writes the format.</summary>
public class ImageFormatProbeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string QemuImage(string format, string name)
    {
        string qemu = PeerTools.Require("qemu-img");
        string path = _folder.File(name);
        PeerTools.RunOk(qemu, "create", "-q", "-f", format, path, "8M");
        return path;
    }

    [SkippableTheory]
    [InlineData("vhdx", "disk.vhdx", ImageFormat.Vhdx)]
    [InlineData("qcow2", "disk.qcow2", ImageFormat.Qcow2)]
    [InlineData("vmdk", "disk.vmdk", ImageFormat.Vmdk)]
    [InlineData("vdi", "disk.vdi", ImageFormat.Vdi)]
    [InlineData("vpc", "disk.vhd", ImageFormat.Vhd)]
    [InlineData("raw", "disk.img", ImageFormat.Raw)]
    public void Detects_images_qemu_img_made(string qemuFormat, string name, ImageFormat expected)
    {
        Assert.Equal(expected, ImageFormatProbe.Detect(QemuImage(qemuFormat, name)));
    }

    [Fact]
    public void Detects_a_vmdk_text_descriptor()
    {
        string path = _folder.File("disk.vmdk");
        File.WriteAllText(path, "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n");
        Assert.Equal(ImageFormat.Vmdk, ImageFormatProbe.Detect(path));
    }

    [Fact]
    public void A_fixed_vhd_whose_guest_data_starts_with_a_qcow2_magic_is_a_vhd()
    {
        string path = _folder.File("fixed.vhd");
        CreateOperation.Run(CreateRequest.Fixed(path, 4L << 20));
        using (FileStream stream = File.OpenWrite(path))
        {
            stream.Write([(byte)'Q', (byte)'F', (byte)'I', 0xfb]);
        }

        Assert.Equal(ImageFormat.Vhd, ImageFormatProbe.Detect(path));
    }

    [Fact]
    public void A_dynamic_vhd_whose_end_footer_is_lost_is_a_vhd()
    {
        string path = _folder.File("dynamic.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(path, 4L << 20));
        using (FileStream stream = File.OpenWrite(path))
        {
            stream.SetLength(stream.Length - VhdFooter.Size);
        }

        Assert.Equal(ImageFormat.Vhd, ImageFormatProbe.Detect(path));
    }

    [Fact]
    public void Anything_else_is_raw_an_empty_file_included()
    {
        string zeros = _folder.File("zeros.img");
        File.WriteAllBytes(zeros, new byte[4096]);
        string empty = _folder.File("empty.img");
        File.WriteAllBytes(empty, []);
        string text = _folder.File("text.img");
        File.WriteAllText(text, "hello");

        Assert.Equal(ImageFormat.Raw, ImageFormatProbe.Detect(zeros));
        Assert.Equal(ImageFormat.Raw, ImageFormatProbe.Detect(empty));
        Assert.Equal(ImageFormat.Raw, ImageFormatProbe.Detect(text));
    }

    [SkippableFact]
    public void Opening_a_vhdx_as_a_vhd_says_what_the_file_is_and_a_virtual_disk_reads_it()
    {
        string path = QemuImage("vhdx", "x.vhdx");

        var image = Assert.Throws<UnsupportedImageFormatException>(() => VhdImage.Open(path));
        Assert.StartsWith($"{path} is a VHDX image, not a VHD; open it with VirtualDisk.Open", image.Message, StringComparison.Ordinal);
        Assert.Equal(ImageFormat.Vhdx, image.Format);
        Assert.IsType<UnsupportedImageFormatException>(Assert.ThrowsAny<VhdFormatException>(() => VhdChain.Open(path)));
        using (VirtualDisk writable = VirtualDisk.Open(path))
        {
            Assert.True(writable.CanWrite);
        }

        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        Assert.Equal(ImageFormat.Vhdx, disk.Format);
    }

    [SkippableTheory]
    [InlineData("qcow2", "x.qcow2", "a qcow2 image")]
    [InlineData("vmdk", "x.vmdk", "a VMDK image")]
    [InlineData("vdi", "x.vdi", "a VDI image")]
    public void Opening_another_known_format_as_a_vhd_says_what_the_file_is(string qemuFormat, string name, string what)
    {
        string path = QemuImage(qemuFormat, name);

        foreach (Action open in new Action[] { () => VhdImage.Open(path).Dispose(), () => VirtualDisk.Open(path).Dispose(), () => VhdChain.Open(path).Dispose() })
        {
            var e = Assert.Throws<UnsupportedImageFormatException>(open);
            Assert.StartsWith($"{path} is {what}; VhdKit reads VHD and raw images", e.Message);
            Assert.DoesNotContain("Cookie", e.Message);
        }
    }

    [Fact]
    public void A_raw_file_opened_as_a_vhd_still_names_the_missing_footer()
    {
        string path = _folder.File("zeros.img");
        File.WriteAllBytes(path, new byte[8192]);
        var e = Assert.Throws<VhdFormatException>(() => VhdImage.Open(path));
        Assert.IsNotType<UnsupportedImageFormatException>(e);
    }
}
