using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>Importing a raw file (qemu-img convert -f raw): content checked by the real qemu-img.</summary>
public class RawImportTests : IDisposable
{
    private const long Capacity = 16L * 1024 * 1024;
    private const int Mi = 1024 * 1024;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// A 16 MiB raw file: data in 0..1 MiB and 9..9.5 MiB, written zeros in 4..6 MiB (allocated, but zeros), holes
    /// elsewhere. Of the eight 2 MiB blocks only 0 and 4 hold data.
    /// </summary>
    private string SparseRaw()
    {
        string path = _folder.File("disk.img");
        using FileStream stream = new(path, FileMode.CreateNew, FileAccess.Write);
        stream.SetLength(Capacity);
        var data = new byte[Mi];
        new Random(7).NextBytes(data);
        stream.Position = 0;
        stream.Write(data);
        stream.Position = 4L * Mi;
        stream.Write(new byte[2 * Mi]);
        stream.Position = 9L * Mi;
        stream.Write(data, 0, Mi / 2);
        return path;
    }

    [Fact]
    public void A_raw_file_that_shrinks_while_it_is_read_is_refused_in_plain_words()
    {
        string path = SparseRaw();
        using ConvertSource source = ConvertSource.Open(path, ImageFormat.Raw);
        File.WriteAllBytes(path, new byte[Mi]);

        var chunk = new byte[64 * 1024];
        source.Read(chunk, 0);
        IOException error = Assert.Throws<IOException>(() => source.Read(chunk, 9L * Mi));

        Assert.Equal(Capacity, source.Capacity);
        Assert.Contains($"ended at byte {9L * Mi}, before the {Capacity} bytes it had when opened", error.Message, StringComparison.Ordinal);
        Assert.Contains("shrank", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Raw_to_dynamic_vhd_equals_the_raw_file_and_leaves_its_zeros_unallocated()
    {
        string qemu = PeerTools.Require("qemu-img");
        string raw = SparseRaw();
        string vhd = _folder.File("disk.vhd");

        ConvertResult result = ConvertOperation.Run(new ConvertRequest(raw, vhd) { TargetFormat = ConvertFormat.Dynamic });

        PeerTools.RunOk(qemu, "compare", "-f", "raw", "-F", "vpc", raw, vhd);
        using VhdImage image = VhdImage.Open(vhd);
        Assert.Equal(VhdDiskType.Dynamic, image.DiskType);
        Assert.Equal(Capacity, image.Capacity);
        int[] allocated = [.. Enumerable.Range(0, image.Bat!.Count).Where(image.Bat.IsAllocated)];
        Assert.Equal([0, 4], allocated);
        Assert.Equal(ImageFormat.Raw, result.SourceFormat);
        Assert.Equal(Path.GetFullPath(vhd), result.Target);
        Assert.Equal(Mi + (Mi / 2), result.BytesWritten);
    }

    [Fact]
    public void The_raw_files_holes_are_not_read()
    {
        string raw = SparseRaw();

        ConvertResult result = ConvertOperation.Run(new ConvertRequest(raw, _folder.File("disk.vhd")));

        // Data 1 MiB, written zeros 2 MiB, data 0.5 MiB: 3.5 MiB (rounded to the file system's blocks), not 16 MiB.
        Assert.InRange(result.BytesRead, (3 * Mi) + (Mi / 2), 4L * Mi);
    }

    [SkippableFact]
    public void Raw_to_fixed_vhd_and_to_raw_equal_the_raw_file()
    {
        string qemu = PeerTools.Require("qemu-img");
        string raw = SparseRaw();

        ConvertOperation.Run(new ConvertRequest(raw, _folder.File("fixed.vhd")) { SourceFormat = ImageFormat.Raw, TargetFormat = ConvertFormat.Fixed });
        ConvertOperation.Run(new ConvertRequest(raw, _folder.File("copy.img")) { TargetFormat = ConvertFormat.Raw });

        PeerTools.RunOk(qemu, "compare", "-f", "raw", "-F", "vpc", raw, _folder.File("fixed.vhd"));
        Assert.Equal(File.ReadAllBytes(raw), File.ReadAllBytes(_folder.File("copy.img")));
    }

    [Fact]
    public void A_raw_file_named_raw_is_read_as_raw_whatever_it_starts_with()
    {
        string raw = _folder.File("looks-like-qcow2.img");
        var bytes = new byte[4 * Mi];
        ((ReadOnlySpan<byte>)[(byte)'Q', (byte)'F', (byte)'I', 0xfb]).CopyTo(bytes);
        File.WriteAllBytes(raw, bytes);
        Assert.Equal(ImageFormat.Qcow2, ImageFormatProbe.Detect(raw));

        ConvertOperation.Run(new ConvertRequest(raw, _folder.File("out.vhd")) { SourceFormat = ImageFormat.Raw });

        Assert.Throws<UnsupportedImageFormatException>(() => ConvertOperation.Run(new ConvertRequest(raw, _folder.File("detected.vhd"))));
        Assert.False(File.Exists(_folder.File("detected.vhd")));
        using VhdImage image = VhdImage.Open(_folder.File("out.vhd"));
        Assert.Equal(4L * Mi, image.Capacity);
    }

    [Fact]
    public void A_raw_file_of_no_vhd_size_is_refused_with_its_size_and_leaves_nothing()
    {
        string raw = _folder.File("odd.img");
        File.WriteAllBytes(raw, new byte[(4 * Mi) + 100]);

        var e = Assert.Throws<ArgumentException>(() => ConvertOperation.Run(new ConvertRequest(raw, _folder.File("odd.vhd"))));

        Assert.StartsWith($"{raw} is {(4 * Mi) + 100} bytes and cannot be a VHD: a VHD's size must be a multiple of 512 bytes", e.Message);
        Assert.Equal([raw], Directory.GetFileSystemEntries(_folder.Path));
    }

    [Fact]
    public void An_empty_raw_file_is_refused_as_empty_not_as_a_short_vhd()
    {
        string raw = _folder.File("empty.img");
        File.WriteAllBytes(raw, []);

        var e = Assert.Throws<ArgumentException>(() => ConvertOperation.Run(new ConvertRequest(raw, _folder.File("out.img")) { TargetFormat = ConvertFormat.Raw }));

        Assert.Equal($"{raw} is empty (0 bytes): there is no disk to convert.", e.Message);
        Assert.DoesNotContain("VHD", e.Message);
        Assert.Equal([raw], Directory.GetFileSystemEntries(_folder.Path));
    }

    [Fact]
    public void A_source_format_vhdkit_does_not_read_is_refused_by_name()
    {
        string raw = SparseRaw();

        var e = Assert.Throws<ArgumentException>(() => ConvertOperation.Run(new ConvertRequest(raw, _folder.File("out.vhd")) { SourceFormat = ImageFormat.Qcow2 }));

        Assert.Equal($"Cannot read {raw} as qcow2: VhdKit reads raw, vhd (vpc) and vhdx images.", e.Message);
        Assert.False(File.Exists(_folder.File("out.vhd")));
    }
}
