using VhdKit.Formats;

namespace VhdKit.Tests.Formats;

public class ImageFormatNamesTests
{
    [Theory]
    [InlineData("vpc", ImageFormat.Vhd)]
    [InlineData("VPC", ImageFormat.Vhd)]
    [InlineData("vhd", ImageFormat.Vhd)]
    [InlineData("Raw", ImageFormat.Raw)]
    [InlineData("vhdx", ImageFormat.Vhdx)]
    [InlineData("QCOW2", ImageFormat.Qcow2)]
    [InlineData("vmdk", ImageFormat.Vmdk)]
    [InlineData("vdi", ImageFormat.Vdi)]
    public void Accepts_qemu_img_and_vhdkit_spellings_in_any_case(string name, ImageFormat expected)
    {
        Assert.Equal(expected, ImageFormatNames.Parse(name));
    }

    [Fact]
    public void An_unknown_name_is_refused_with_the_list_of_names()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageFormatNames.Parse("qed"));
        Assert.StartsWith("Unknown image format 'qed': expected one of raw, vhd, vpc, vhdx, qcow2, vmdk, vdi", e.Message);
        Assert.False(ImageFormatNames.TryParse("qed", out _));
    }

    [Fact]
    public void Every_format_has_a_name_that_parses_back()
    {
        foreach (ImageFormat format in Enum.GetValues<ImageFormat>())
        {
            Assert.Equal(format, ImageFormatNames.Parse(ImageFormatNames.NameOf(format)));
        }
    }
}
