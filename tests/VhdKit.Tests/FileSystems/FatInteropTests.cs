using VhdKit.FileSystems.Fat;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.FileSystems;

/// <summary>
/// Disks formatted by VhdKit, read by the real tools: fsck.fat -n finds no fault, mtools lists and extracts every
/// file byte for byte (long names, times), blkid names the type and label, qemu-img reads the VHD.
/// </summary>
public sealed class FatInteropTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<FatType> Types => [FatType.Fat16, FatType.Fat32];

    [Theory]
    [MemberData(nameof(Types))]
    public void A_handmade_tree_is_clean_in_fsck_and_reads_back_byte_identical_through_mtools(FatType type)
    {
        string source = _temp.File("source");
        Directory.CreateDirectory(Path.Combine(source, "sub folder", "deeper"));
        File.WriteAllText(Path.Combine(source, "README.TXT"), "upper case 8.3\n");
        File.WriteAllText(Path.Combine(source, "readme2.md"), "lower case 8.3\n");
        File.WriteAllText(Path.Combine(source, "MixedCase.Txt"), "mixed case needs a long name\n");
        File.WriteAllBytes(Path.Combine(source, "empty"), []);
        File.WriteAllBytes(Path.Combine(source, "sub folder", "a name longer than thirteen characters.json"), new byte[40_000]);
        File.WriteAllText(Path.Combine(source, "sub folder", "deeper", "ünïcødé файл 数据.txt"), "unicode\n");
        byte[] random = new byte[300_000];
        new Random(16).NextBytes(random);
        File.WriteAllBytes(Path.Combine(source, "sub folder", "deeper", "random.bin"), random);

        string vhd = _temp.File("disk.vhd");
        var builder = new FatDiskBuilder(type) { Label = "Data Disk" };
        builder.AddTree(source);
        long size = type == FatType.Fat32 ? 100L << 20 : 24L << 20;
        CreateResult created = CreateOperation.Run(CreateRequest.Dynamic(vhd, size) with { FileSystem = builder });
        Assert.Equal(7, created.FileSystem!.Files);

        (string raw, string partition) = FatPeers.Extract(vhd);
        AssertClean(partition);
        string blkid = FatPeers.Blkid(partition);
        Assert.Contains("TYPE=vfat", blkid, StringComparison.Ordinal);
        Assert.Contains($"VERSION={(type == FatType.Fat32 ? "FAT32" : "FAT16")}", blkid, StringComparison.Ordinal);
        Assert.Contains("LABEL=DATA\\ DISK", blkid, StringComparison.Ordinal);
        AssertSameTree(source, raw);
        Assert.Equal(size, Peers.QemuImgInfo(vhd).VirtualSize);
    }

    [Theory]
    [InlineData(FatType.Fat16, 1)]
    [InlineData(FatType.Fat16, 2)]
    [InlineData(FatType.Fat32, 3)]
    [InlineData(FatType.Fat32, 4)]
    public void Randomized_trees_round_trip_through_mtools_and_are_clean_in_fsck(FatType type, int seed)
    {
        string source = _temp.File("source");
        int files = RandomTree.Make(source, seed, manyFiles: type == FatType.Fat32 ? 800 : 400);
        string vhd = _temp.File("random.vhd");
        var builder = new FatDiskBuilder(type) { Label = "RANDOM" };
        builder.AddTree(source);
        CreateResult created = CreateOperation.Run(CreateRequest.Dynamic(vhd, (type == FatType.Fat32 ? 64L : 48L) << 20) with { FileSystem = builder });
        Assert.True(files == created.FileSystem!.Files, $"seed {seed}: {files} files made, {created.FileSystem.Files} written");

        (string raw, string partition) = FatPeers.Extract(vhd);
        AssertClean(partition, $"seed {seed}");
        AssertSameTree(source, raw, $"seed {seed}");
    }

    [Fact]
    public void A_cloud_init_cidata_disk_reads_back_through_mtools_with_its_label()
    {
        string seed = _temp.File("seed");
        Directory.CreateDirectory(seed);
        File.WriteAllText(Path.Combine(seed, "user-data"), "#cloud-config\npassword: passw0rd\nchpasswd: { expire: False }\n");
        File.WriteAllText(Path.Combine(seed, "meta-data"), "instance-id: iid-local01\nlocal-hostname: cloudimg\n");
        string vhd = _temp.File("seed.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(vhd, 8L << 20) with { FileSystem = new FatDiskBuilder(FatType.Fat16) { Label = "cidata" }.AddTree(seed) });

        (string raw, string partition) = FatPeers.Extract(vhd);
        AssertClean(partition);
        ProcessResult listing = FatPeers.Mtools("mdir", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/");
        Assert.Contains("Volume in drive : is CIDATA", listing.Stdout, StringComparison.Ordinal);
        Assert.Contains("user-data", listing.Stdout, StringComparison.Ordinal);
        Assert.Contains("meta-data", listing.Stdout, StringComparison.Ordinal);
        ProcessResult userData = FatPeers.Mtools("mtype", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/user-data");
        Assert.Equal(File.ReadAllText(Path.Combine(seed, "user-data")), userData.Stdout);
        Assert.Contains("LABEL=CIDATA", FatPeers.Blkid(partition), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fixed_disk_is_formatted_too()
    {
        string vhd = _temp.File("fixed.vhd");
        var builder = new FatDiskBuilder(FatType.Fat32) { Label = "FIXED" };
        builder.AddFile("hello.txt", "hello\n"u8.ToArray());
        CreateOperation.Run(CreateRequest.Fixed(vhd, 40L << 20) with { FileSystem = builder });
        (string raw, string partition) = FatPeers.Extract(vhd);
        AssertClean(partition);
        Assert.Equal("hello\n", FatPeers.Mtools("mtype", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/hello.txt").Stdout);
    }

    [Fact]
    public void A_dynamic_disk_allocates_only_the_blocks_holding_metadata_and_files()
    {
        string vhd = _temp.File("sparse.vhd");
        var builder = new FatDiskBuilder(FatType.Fat32);
        builder.AddFile("one.txt", "one\n"u8.ToArray());
        CreateOperation.Run(CreateRequest.Dynamic(vhd, 4L << 30) with { FileSystem = builder });

        // 4 GiB: the MBR, boot sectors and the FATs' used start share block 0; the second FAT's start and the data area
        // (the root folder and the file, from 9 MiB on) each take one more: 3 blocks of 2 MiB, not 2048.
        using VhdImage image = VhdImage.Open(vhd);
        int allocated = image.Bat!.AllocatedCount();

        Assert.InRange(allocated, 1, 3);
        Assert.True(new FileInfo(vhd).Length < 8L << 20, $"the file is {new FileInfo(vhd).Length} bytes");
        (_, string partition) = FatPeers.Extract(vhd);
        AssertClean(partition);
    }

    [Fact]
    public void A_file_of_4_GiB_less_one_byte_is_stored_whole()
    {
        // A sparse host file: it reads as zeros but for its last byte, so only the last data sector is written.
        string big = _temp.File("largest.bin");
        using (var file = new FileStream(big, FileMode.CreateNew, FileAccess.Write))
        {
            file.SetLength(FatDiskBuilder.MaxFileSize);
            file.Position = FatDiskBuilder.MaxFileSize - 1;
            file.WriteByte(0x5A);
        }

        string vhd = _temp.File("largest.vhd");
        var builder = new FatDiskBuilder(FatType.Fat32).AddFile("largest.bin", big);
        CreateOperation.Run(CreateRequest.Dynamic(vhd, 5L << 30) with { FileSystem = builder });

        // No fsck.fat here: dosfstools 4.2 computes a chain's length in 32 bits, so a file of 4 GiB - 1 byte (its
        // chain is 4 GiB) is reported as "cluster chain length is 0 bytes" on any volume, Windows-made ones included
        // (dosfstools issue #208, fixed upstream in ae94d63 after 4.2). mtools reads the entry, and the last byte is
        // where the chain puts it: the file follows the root folder's one cluster.
        string raw = FatPeers.ToRaw(vhd);
        ProcessResult listing = FatPeers.Mtools("mdir", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/");
        Assert.Contains("4294967295", listing.Stdout.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        FatPlan plan = FatPlan.Make(builder, 5L << 30);
        Assert.Equal(3u, plan.Files[0].FirstCluster);
        using var disk = VhdKit.Chain.VirtualDisk.Open(vhd);
        var last = new byte[1];
        disk.Read(last, plan.Layout.ClusterOffset(3) + FatDiskBuilder.MaxFileSize - 1);
        Assert.Equal(0x5A, last[0]);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void A_tree_that_fills_the_volume_exactly_fits_and_is_clean(FatType type)
    {
        long size = type == FatType.Fat32 ? 36L << 20 : 8L << 20;
        long free = new FatDiskBuilder(type).AddFile("fill.bin", () => Stream.Null, 0).Plan(size).FreeBytes;
        var content = new byte[free];
        content[^1] = 0x77;
        var builder = new FatDiskBuilder(type).AddFile("fill.bin", content);
        FatVolumeSummary summary = builder.Plan(size);
        Assert.Equal(0, summary.FreeBytes);
        Assert.Throws<FatVolumeFullException>(() => new FatDiskBuilder(type).AddFile("fill.bin", new byte[free + 1]).Plan(size));

        string vhd = _temp.File("full.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(vhd, size) with { FileSystem = builder });
        (string raw, string partition) = FatPeers.Extract(vhd);
        AssertClean(partition);
        string copied = _temp.File("fill-out.bin");
        Assert.Equal(0, FatPeers.Mtools("mcopy", "-n", "-i", $"{raw}@@{FatPeers.PartitionOffset}", "::/fill.bin", copied).ExitCode);
        Assert.True(content.AsSpan().SequenceEqual(File.ReadAllBytes(copied)));
        if (type == FatType.Fat32)
        {
            // FSInfo (sector 1): no free cluster, and the next-free hint "unknown" (0xFFFFFFFF, fatgen103), not a
            // cluster number past the volume's last (fsck.fat 4.2 does not check the hint).
            byte[] fsInfo = new byte[512];
            using (var stream = File.OpenRead(partition))
            {
                stream.Position = 512;
                stream.ReadExactly(fsInfo);
            }

            Assert.Equal(0u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(fsInfo.AsSpan(488)));
            Assert.Equal(uint.MaxValue, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(fsInfo.AsSpan(492)));
        }
    }

    private static void AssertClean(string partition, string context = "")
    {
        ProcessResult fsck = FatPeers.Fsck(partition);
        Assert.True(fsck.ExitCode == 0, $"{context} fsck.fat -n exited {fsck.ExitCode}: {fsck.Stdout}{fsck.Stderr}");
    }

    /// <summary>Every file under <paramref name="source"/> is in the volume with the same bytes and the same write time (to 2 s), and nothing else is.</summary>
    private void AssertSameTree(string source, string raw, string context = "")
    {
        string copied = _temp.File("copied-out");
        FatPeers.CopyAllOut(raw, copied);
        string[] expected = Relative(source);
        string[] actual = Relative(copied);
        Assert.True(expected.SequenceEqual(actual),
            $"{context}: missing [{string.Join(", ", expected.Except(actual).Take(5))}], extra [{string.Join(", ", actual.Except(expected).Take(5))}]");
        foreach (string file in expected)
        {
            string from = Path.Combine(source, file);
            string to = Path.Combine(copied, file);
            if (Directory.Exists(from))
            {
                Assert.True(Directory.Exists(to), $"{context}: {file} is not a folder in the volume");
                continue;
            }

            Assert.True(File.ReadAllBytes(from).AsSpan().SequenceEqual(File.ReadAllBytes(to)), $"{context}: {file} differs");
            DateTime written = File.GetLastWriteTimeUtc(from);
            DateTime expectedTime = new DateTime(written.Year, written.Month, written.Day, written.Hour, written.Minute, written.Second / 2 * 2, DateTimeKind.Utc);
            Assert.True(expectedTime == File.GetLastWriteTimeUtc(to), $"{context}: {file} was written {written:O}, reads back {File.GetLastWriteTimeUtc(to):O}");
        }
    }

    private static string[] Relative(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p))
            .Order(StringComparer.Ordinal)
            .ToArray();
}
