using VhdKit.Cli;

namespace VhdKit.Tests.Cli;

public class SizeParserTests
{
    [Theory]
    [InlineData("4096", 4096)]
    [InlineData("512B", 512)]
    [InlineData("64MiB", 64L << 20)]
    [InlineData("64 MiB", 64L << 20)]
    [InlineData("64mib", 64L << 20)]
    [InlineData("100MB", 100L << 20)] // the Virtual Server API's MB are MiB
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("2GB", 2L << 30)]
    [InlineData("2040GiB", 2040L << 30)]
    [InlineData("1TiB", 1L << 40)]
    [InlineData("1K", 1L << 10)] // qemu-img's suffixes: powers of 1024
    [InlineData("1G", 1L << 30)]
    [InlineData("2T", 2L << 40)]
    [InlineData("512KiB", 512L << 10)]
    [InlineData("3M", 3L << 20)]
    public void Parses_units(string text, long expected)
    {
        Assert.True(SizeParser.TryParse(text, out long bytes, out string error), error);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("big")]
    [InlineData("-5MiB")]
    [InlineData("1.0000001KiB")]
    [InlineData("10PiB")]
    public void Refuses_what_is_not_a_whole_size(string text)
    {
        Assert.False(SizeParser.TryParse(text, out _, out string error));
        Assert.NotEmpty(error);
    }
}
