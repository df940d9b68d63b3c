using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Cli;

/// <summary>Offsets and lengths near the top of the 64-bit range are refused clearly, never wrapped around.</summary>
public class RangeCliTests : IDisposable
{
    private const string MaxOffset = "9223372036854775807"; // long.MaxValue

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Image() => ImageFiles.Dynamic(_folder.File("d.vhd"), 4 * ImageFiles.MiB);

    [Theory]
    [InlineData(MaxOffset, "1")]
    [InlineData("1", MaxOffset)]
    [InlineData("4MiB", "1")]
    [InlineData(MaxOffset, null)]
    public void Read_of_a_range_past_the_end_is_refused_without_creating_the_output(string offset, string? length)
    {
        Image();
        string[] arguments = length is null
            ? ["read", "d.vhd", "--offset", offset, "--to", "out.bin"]
            : ["read", "d.vhd", "--offset", offset, "--length", length, "--to", "out.bin"];

        ProcessResult result = CliRunner.RunIn(_folder.Path, arguments);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("4194304-byte disk", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("out.bin")));
    }

    [Fact]
    public void Write_at_the_largest_offset_is_refused_and_changes_nothing()
    {
        byte[] before = File.ReadAllBytes(Image());
        File.WriteAllBytes(_folder.File("p.bin"), [1, 2, 3]);

        ProcessResult result = CliRunner.RunIn(_folder.Path, "write", "d.vhd", "--offset", MaxOffset, "--from", "p.bin");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("4194304-byte disk", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(_folder.File("d.vhd")));
    }

    [Fact]
    public void Sector_write_whose_end_passes_the_largest_offset_is_refused()
    {
        using VhdImage image = VhdImage.Open(Image(), new VhdOpenOptions { Writable = true });
        Assert.Throws<ArgumentException>(() => image.WriteSectors(new byte[512], long.MaxValue - 511));
    }

    [Fact]
    public void Stream_write_and_seek_near_the_largest_offset_are_refused()
    {
        using VirtualDisk disk = VirtualDisk.Open(Image());
        using Stream stream = disk.AsStream();
        stream.Position = long.MaxValue;
        Assert.Throws<IOException>(() => stream.Write(new byte[16]));
        stream.Position = 10;
        Assert.Throws<IOException>(() => stream.Seek(long.MaxValue, SeekOrigin.Current));
        Assert.Equal(10, stream.Position);
    }
}
