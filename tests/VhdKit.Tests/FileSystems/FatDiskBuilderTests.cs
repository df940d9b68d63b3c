using VhdKit.FileSystems.Fat;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.FileSystems;

/// <summary>What the builder refuses, with what message, and that a refused disk leaves no file behind.</summary>
public sealed class FatDiskBuilderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_tree_that_does_not_fit_is_refused_before_any_file_is_created()
    {
        string source = _temp.File("source");
        Directory.CreateDirectory(source);
        File.WriteAllBytes(Path.Combine(source, "big.bin"), new byte[12 << 20]);
        var builder = new FatDiskBuilder(FatType.Fat16).AddTree(source);
        string vhd = Path.Combine(_temp.File("out"), "small.vhd");

        FatVolumeFullException e = Assert.Throws<FatVolumeFullException>(() => CreateOperation.Run(CreateRequest.Dynamic(vhd, 10L << 20) with { FileSystem = builder }));
        Assert.True(e.NeededBytes > e.AvailableBytes);
        Assert.Contains("do not fit the FAT16 volume", e.Message, StringComparison.Ordinal);
        Assert.Contains($"need {e.NeededBytes} bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains($"holds {e.AvailableBytes}", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("out")), "the target folder was created");
        Assert.Equal([source], Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void A_FAT16_root_folder_past_512_entries_is_refused_with_a_way_out()
    {
        var builder = new FatDiskBuilder(FatType.Fat16);
        for (int i = 0; i < 300; i++)
        {
            builder.AddFile($"long file name {i}.txt", [1]);
        }

        FatVolumeFullException e = Assert.Throws<FatVolumeFullException>(() => builder.Plan(64L << 20));
        Assert.Contains("put files in a subfolder, or use FAT32", e.Message, StringComparison.Ordinal);

        // The same files in a subfolder fit.
        var nested = new FatDiskBuilder(FatType.Fat16);
        for (int i = 0; i < 300; i++)
        {
            nested.AddFile($"sub/long file name {i}.txt", [1]);
        }

        Assert.Equal(300, nested.Plan(64L << 20).Files);
    }

    [Theory]
    [InlineData("a:b.txt")]
    [InlineData("what?")]
    [InlineData("trailing.")]
    [InlineData("trailing ")]
    [InlineData("tab\there")]
    [InlineData("..")]
    public void A_name_FAT_cannot_hold_is_refused_when_added(string name)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new FatDiskBuilder(FatType.Fat32).AddFile("folder/" + name, [1]));
        Assert.Contains("folder/", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_name_of_256_units_is_refused_and_255_is_kept()
    {
        var builder = new FatDiskBuilder(FatType.Fat32);
        builder.AddFile(new string('a', 255), [1]);
        Assert.Throws<ArgumentException>(() => builder.AddFile(new string('b', 256), [1]));
    }

    [Fact]
    public void Two_names_that_differ_only_in_case_are_refused()
    {
        var builder = new FatDiskBuilder(FatType.Fat32).AddFile("Notes.txt", [1]);
        ArgumentException e = Assert.Throws<ArgumentException>(() => builder.AddFile("NOTES.TXT", [2]));
        Assert.Contains("whatever their case", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_4_GiB_is_refused_and_4_GiB_less_one_byte_is_taken()
    {
        var builder = new FatDiskBuilder(FatType.Fat32);
        ArgumentException e = Assert.Throws<ArgumentException>(() => builder.AddFile("big", () => Stream.Null, 4L << 30));
        Assert.Contains("4294967295", e.Message, StringComparison.Ordinal);
        builder.AddFile("largest", () => Stream.Null, FatDiskBuilder.MaxFileSize);
        Assert.Equal(FatDiskBuilder.MaxFileSize, builder.Plan(5L << 30).FileBytes);
    }

    [Theory]
    [InlineData("TWELVE CHARS")]
    [InlineData("dot.label")]
    [InlineData(" leading")]
    public void A_label_FAT_cannot_hold_is_refused(string label)
    {
        var builder = new FatDiskBuilder(FatType.Fat16) { Label = label };
        Assert.Throws<ArgumentException>(() => builder.Plan(16L << 20));
    }

    [Fact]
    public void A_disk_too_small_or_too_large_for_the_type_is_refused_with_the_range()
    {
        ArgumentOutOfRangeException small = Assert.Throws<ArgumentOutOfRangeException>(() => new FatDiskBuilder(FatType.Fat32).Plan(32L << 20));
        Assert.Contains("more than 66600 sectors", small.Message, StringComparison.Ordinal);
        ArgumentOutOfRangeException large = Assert.Throws<ArgumentOutOfRangeException>(() => new FatDiskBuilder(FatType.Fat16).Plan(3L << 30));
        Assert.Contains("at most 4194304 sectors (2 GiB)", large.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FatType.Fat16, 16L << 20, 1024)]
    [InlineData(FatType.Fat16, 200L << 20, 4096)]
    [InlineData(FatType.Fat16, 1999L << 20, 32768)]
    [InlineData(FatType.Fat32, 514L << 20, 4096)]
    [InlineData(FatType.Fat32, 9L << 30, 8192)]
    [InlineData(FatType.Fat32, 40L << 30, 32768)]
    public void The_cluster_size_comes_from_the_specifications_table(FatType type, long diskSize, int clusterSize)
    {
        Assert.Equal(clusterSize, new FatDiskBuilder(type).Plan(diskSize).ClusterSize);
    }

    [Fact]
    public void A_source_that_gives_fewer_bytes_than_it_was_added_with_fails_the_creation_and_leaves_nothing()
    {
        var builder = new FatDiskBuilder(FatType.Fat16).AddFile("short.bin", () => new MemoryStream(new byte[100]), 1000);
        string vhd = _temp.File("short.vhd");
        IOException e = Assert.Throws<IOException>(() => CreateOperation.Run(CreateRequest.Dynamic(vhd, 16L << 20) with { FileSystem = builder }));
        Assert.Contains("ended after 100 bytes; it was added as 1000 bytes", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Copying_files_reports_bytes_and_a_cancellation_between_chunks_leaves_nothing()
    {
        var builder = new FatDiskBuilder(FatType.Fat32).AddFile("a.bin", new byte[3 << 20]).AddFile("b.bin", new byte[1 << 20]);
        var reports = new List<OperationProgress>();
        CreateOperation.Run(CreateRequest.Dynamic(_temp.File("ok.vhd"), 64L << 20) with { FileSystem = builder }, new SyncProgress(reports.Add));
        List<OperationProgress> copies = [.. reports.Where(r => r.Total == 4 << 20)];
        Assert.Equal([1 << 20, 2 << 20, 3 << 20, 4 << 20], copies.Select(r => r.Done));

        using var cancel = new CancellationTokenSource();
        string vhd = _temp.File("cancelled.vhd");
        Assert.ThrowsAny<OperationCanceledException>(() => CreateOperation.Run(CreateRequest.Dynamic(vhd, 64L << 20) with { FileSystem = builder },
            new SyncProgress(_ => cancel.Cancel()), cancel.Token));
        Assert.Equal([_temp.File("ok.vhd")], Directory.GetFileSystemEntries(_temp.Path));
    }

    private sealed class SyncProgress(Action<OperationProgress> report) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => report(value);
    }

    [Fact]
    public void A_folder_tree_copies_links_to_files_refuses_links_to_folders_and_never_opens_a_pipe()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links and FIFOs as Linux makes them");
        string source = _temp.File("source");
        Directory.CreateDirectory(Path.Combine(source, "real"));
        File.WriteAllText(Path.Combine(source, "real", "target.txt"), "through the link\n");
        File.CreateSymbolicLink(Path.Combine(source, "link.txt"), Path.Combine(source, "real", "target.txt"));
        PeerTools.RunOk("/usr/bin/mkfifo", Path.Combine(source, "pipe"));

        // The pipe has no writer: opening it to read would wait for ever. It becomes an empty file, unopened.
        var builder = new FatDiskBuilder(FatType.Fat16).AddTree(source);
        string vhd = _temp.File("links.vhd");
        CreateResult created = CreateOperation.Run(CreateRequest.Dynamic(vhd, 16L << 20) with { FileSystem = builder });
        Assert.Equal(3, created.FileSystem!.Files);
        string raw = FatPeers.ToRaw(vhd);
        Assert.Equal("through the link\n", FatPeers.Mtools("mtype", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/link.txt").Stdout);

        Directory.CreateSymbolicLink(Path.Combine(source, "loop"), source);
        ArgumentException e = Assert.Throws<ArgumentException>(() => new FatDiskBuilder(FatType.Fat16).AddTree(source));
        Assert.Contains("links to folders are not followed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_a_tree_from_a_file_or_a_missing_folder_says_which()
    {
        File.WriteAllText(_temp.File("plain.txt"), "x");
        ArgumentException file = Assert.Throws<ArgumentException>(() => new FatDiskBuilder(FatType.Fat16).AddTree(_temp.File("plain.txt")));
        Assert.Contains("is a file, not a folder", file.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => new FatDiskBuilder(FatType.Fat16).AddTree(_temp.File("missing")));
    }

    [Fact]
    public void A_differencing_disk_cannot_be_formatted()
    {
        string parent = _temp.File("parent.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, 16L << 20));
        Assert.Throws<ArgumentException>(() => CreateOperation.Run(CreateRequest.Differencing(_temp.File("child.vhd"), parent) with { FileSystem = new FatDiskBuilder(FatType.Fat16) }));
    }
}
