using System.Text;
using VhdKit.Format;

namespace VhdKit.Tests.Format;

public class LocatorTextTests
{
    [Fact]
    public void W2ru_is_utf16_little_endian()
    {
        byte[] bytes = LocatorText.Encode(ParentLocatorPlatform.W2ru, @".\base.vhd");
        Assert.Equal(Encoding.Unicode.GetBytes(@".\base.vhd"), bytes);
        Assert.Equal((byte)'.', bytes[0]);
        Assert.Equal(0, bytes[1]);
        Assert.Equal(@".\base.vhd", LocatorText.Decode(ParentLocatorPlatform.W2ru, bytes));
    }

    [Fact]
    public void Trailing_nuls_and_odd_bytes_are_tolerated()
    {
        byte[] padded = [.. Encoding.Unicode.GetBytes(@"C:\vms\a.vhd"), 0, 0, 0, 0, 0];
        Assert.Equal(@"C:\vms\a.vhd", LocatorText.Decode(ParentLocatorPlatform.W2ku, padded));
    }

    [Theory]
    [InlineData("/vms/base.vhd")]
    [InlineData("/vms/with space/#hash%percent ü.vhd")]
    public void MacX_file_urls_round_trip(string path)
    {
        string url = LocatorText.ToFileUrl(path);
        Assert.StartsWith("file://", url, StringComparison.Ordinal);
        Assert.Equal(path, LocatorText.FromFileUrl(url));
    }

    [Fact]
    public void Non_text_platforms_decode_to_null()
    {
        Assert.Null(LocatorText.Decode(ParentLocatorPlatform.Mac, [1, 2, 3]));
        Assert.Null(LocatorText.FromFileUrl("not a url"));
        Assert.Null(LocatorText.FromFileUrl("http://example.invalid/x.vhd"));
    }
}
