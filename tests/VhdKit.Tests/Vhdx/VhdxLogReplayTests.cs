using System.Buffers.Binary;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// Images whose log holds entries to replay open with the replayed content, read-only and without changing the file:
/// logs left by qemu-io killed mid-write, and hand-built logs (several entries, a torn entry, a corrupt entry in the
/// middle, an entry wrapping around the circular log, zero descriptors). The spec reader and, for qemu's logs, qemu's
/// own replay (qemu-img check -r all) agree.
/// </summary>
public class VhdxLogReplayTests : IDisposable
{
    private const int MiB = 1 << 20;
    private static readonly Guid LogGuid = new("0badcafe-1234-5678-9abc-def012345678");
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public void A_log_left_by_qemu_io_killed_mid_write_is_replayed_as_qemu_replays_it()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string strace = PeerTools.Require("strace");
        int pending = 0;

        // Which pwrite64 the kill lands on depends on qemu's threads (strace counts per thread, and qemu's pool hands
        // the writes to whichever thread is free), so one pass of eight is tried, then more (up to twelve passes) until one leaves
        // a pending log (LogGuid set, the BAT not yet updated): one pass alone found none about one run in three under load,
        // and in one full CI run (2026-12-03) forty kills at writes 5-12 found none: later passes also try writes 3-18.
        for (int attempt = 0; attempt < 8 || (pending == 0 && attempt < 96); attempt++)
        {
            int when = attempt < 40 ? 5 + (attempt % 8) : 3 + (attempt % 16);
            string path = _folder.File($"k{attempt}.vhdx");
            PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vhdx", "-o", "block_size=1M", path, "8M");
            PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", "write -P 0x21 0 4k", path);
            PeerTools.Run(strace, ["-f", "-o", "/dev/null", "-e", "trace=pwrite64", "-e", $"inject=pwrite64:signal=SIGKILL:when={when}",
                qemuIo, "-f", "vhdx", "-c", "write -P 0x33 2M 64k", path]);
            byte[] before = File.ReadAllBytes(path);

            byte[] ours;
            using (VhdxImage image = VhdxImage.Open(path))
            {
                ours = new byte[image.Capacity];
                image.ReadOwn(ours, 0);
                if (image.LogReplay is { Entries: > 0 })
                {
                    pending++;
                    Assert.Contains(image.Warnings, w => w.Contains("replayed in memory", StringComparison.Ordinal));
                }
            }

            Assert.Equal(before, File.ReadAllBytes(path)); // read-only: the file is unchanged

            // Opened for writing, qemu's log is replayed into the file: the same content with nothing pending, and
            // qemu then opens it without a repair.
            string replayed = _folder.File($"k{attempt}.replayed.vhdx");
            File.Copy(path, replayed);
            VhdxImage.OpenWritable(replayed).Dispose();
            using (VhdxImage image = VhdxImage.Open(replayed))
            {
                Assert.Null(image.LogReplay);
                var after = new byte[image.Capacity];
                image.ReadOwn(after, 0);
                Assert.True(ours.AsSpan().SequenceEqual(after), $"kill at pwrite64 #{when}: the replay into the file differs from the replay in memory");
            }

            PeerTools.RunOk(qemuImg, "check", "-f", "vhdx", replayed);
            Assert.True(ours.AsSpan().SequenceEqual(VhdxSpecReader.Content(path, _folder.File($"k{attempt}.spec"))), $"kill at pwrite64 #{when}: the spec reader differs");

            // qemu refuses to read a pending log read-only; its repair replays it. Its content then must be ours.
            PeerTools.Run(qemuImg, ["check", "-q", "-r", "all", "-f", "vhdx", path]);
            string raw = _folder.File($"k{attempt}.raw");
            PeerTools.RunOk(qemuImg, "convert", "-f", "vhdx", "-O", "raw", path, raw);
            Assert.True(ours.AsSpan().SequenceEqual(File.ReadAllBytes(raw)), $"kill at pwrite64 #{when}: qemu's replay differs from ours");
        }

        Assert.True(pending > 0, "no kill left a pending log");
    }

    /// <summary>A qemu-made 8 MiB dynamic VHDX (1 MiB blocks, log 1 MiB at 1 MiB), block 0 written with 0x21.</summary>
    private (string Path, long BatOffset) Base()
    {
        string qemuImg = PeerTools.Require("qemu-img");
        string qemuIo = PeerTools.Require("qemu-io");
        string path = _folder.File("h.vhdx");
        PeerTools.RunOk(qemuImg, "create", "-q", "-f", "vhdx", "-o", "block_size=1M,block_state_zero=off", path, "8M");
        PeerTools.RunOk(qemuIo, "-f", "vhdx", "-c", "write -P 0x21 0 1M", path);
        using VhdxImage image = VhdxImage.Open(path);
        Assert.Equal(1UL << 20, image.Header.LogOffset);
        Assert.Equal(1u << 20, image.Header.LogLength);
        return (path, (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset);
    }

    /// <summary>The BAT's first sector with payload block <paramref name="block"/> FULLY_PRESENT at <paramref name="at"/>.</summary>
    private static byte[] BatSector(string path, long batOffset, int block, long at)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var sector = new byte[4096];
        file.Position = batOffset;
        file.ReadExactly(sector);
        BinaryPrimitives.WriteUInt64LittleEndian(sector.AsSpan(block * 8), VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)at).Raw);
        return sector;
    }

    private static byte[] Filled(byte value) => Enumerable.Repeat(value, 4096).ToArray();

    /// <summary>Appends a 1 MiB block of <paramref name="value"/> at the file's end and returns its offset.</summary>
    private static long AppendBlock(string path, byte value)
    {
        using FileStream file = File.OpenWrite(path);
        long at = (file.Length + MiB - 1) / MiB * MiB;
        file.Position = at;
        file.Write(Enumerable.Repeat(value, MiB).ToArray());
        return at;
    }

    private static byte[] Read(string path, out VhdxImage opened)
    {
        opened = VhdxImage.Open(path);
        var content = new byte[opened.Capacity];
        opened.ReadOwn(content, 0);
        Assert.True(content.AsSpan().SequenceEqual(VhdxSpecReader.Content(path, path + ".spec")), "the spec reader differs");
        return content;
    }

    [SkippableFact]
    public void Two_entries_are_replayed_in_order_the_later_winning()
    {
        (string path, long bat) = Base();
        long block2 = AppendBlock(path, 0x42);
        long block3 = AppendBlock(path, 0x43);
        ulong end = (ulong)new FileInfo(path).Length;
        using (FileStream file = File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            byte[] first = VhdxLogBuilder.Entry(10, 0, LogGuid, end, end, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 2, block2)));
            byte[] second = BatSector(path, bat, 2, block2);
            BinaryPrimitives.WriteUInt64LittleEndian(second.AsSpan(3 * 8), VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)block3).Raw);
            VhdxLogBuilder.Put(file, MiB, MiB, 0, first);
            VhdxLogBuilder.Put(file, MiB, MiB, first.Length, VhdxLogBuilder.Entry(11, 0, LogGuid, end, end, new VhdxLogBuilder.Write(bat, second)));
            VhdxLogBuilder.SetLogGuid(file, LogGuid);
        }

        byte[] content = Read(path, out VhdxImage image);
        using (image)
        {
            Assert.Equal(new VhdxLogReplaySummary(2, 2, 10, 11), image.LogReplay);
        }

        Assert.All(content.AsSpan(2 * MiB, MiB).ToArray(), b => Assert.Equal(0x42, b));
        Assert.All(content.AsSpan(3 * MiB, MiB).ToArray(), b => Assert.Equal(0x43, b));
        Assert.All(content.AsSpan(0, MiB).ToArray(), b => Assert.Equal(0x21, b));
    }

    [SkippableTheory]
    [InlineData("torn")] // the newer entry's last sector never reached the disk
    [InlineData("crc")] // one byte of the newer entry is wrong
    public void A_torn_or_corrupt_newest_entry_is_ignored_and_the_older_sequence_replayed(string fault)
    {
        (string path, long bat) = Base();
        long block2 = AppendBlock(path, 0x42);
        long block3 = AppendBlock(path, 0x43);
        ulong end = (ulong)new FileInfo(path).Length;
        using (FileStream file = File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            byte[] first = VhdxLogBuilder.Entry(20, 0, LogGuid, end, end, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 2, block2)));
            byte[] second = VhdxLogBuilder.Entry(21, 0, LogGuid, end, end,
                new VhdxLogBuilder.Write(bat, BatSector(path, bat, 3, block3)), new VhdxLogBuilder.Write(bat + 4096, Filled(0)));
            if (fault == "torn")
            {
                second.AsSpan(second.Length - 4096).Clear();
            }
            else
            {
                second[100] ^= 1;
            }

            VhdxLogBuilder.Put(file, MiB, MiB, 0, first);
            VhdxLogBuilder.Put(file, MiB, MiB, first.Length, second);
            VhdxLogBuilder.SetLogGuid(file, LogGuid);
        }

        byte[] content = Read(path, out VhdxImage image);
        using (image)
        {
            Assert.Equal(new VhdxLogReplaySummary(1, 1, 20, 20), image.LogReplay);
            Assert.Equal(VhdxBlockState.FullyPresent, image.PayloadEntry(2).State);
            Assert.NotEqual(VhdxBlockState.FullyPresent, image.PayloadEntry(3).State); // never half-applied
        }

        Assert.All(content.AsSpan(3 * MiB, MiB).ToArray(), b => Assert.Equal(0, b));
        Assert.All(content.AsSpan(2 * MiB, MiB).ToArray(), b => Assert.Equal(0x42, b));
    }

    [SkippableFact]
    public void A_corrupt_entry_between_two_valid_ones_ends_the_sequence_before_it()
    {
        (string path, long bat) = Base();
        long block2 = AppendBlock(path, 0x42);
        long block3 = AppendBlock(path, 0x43);
        ulong end = (ulong)new FileInfo(path).Length;
        using (FileStream file = File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            byte[] a = VhdxLogBuilder.Entry(30, 0, LogGuid, end, end, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 2, block2)));
            byte[] b = VhdxLogBuilder.Entry(31, 0, LogGuid, end, end, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 3, block3)));
            b[200] ^= 0xFF;
            byte[] c = VhdxLogBuilder.Entry(32, 0, LogGuid, end, end, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 3, block3)));
            VhdxLogBuilder.Put(file, MiB, MiB, 0, a);
            VhdxLogBuilder.Put(file, MiB, MiB, a.Length, b);
            VhdxLogBuilder.Put(file, MiB, MiB, a.Length + b.Length, c); // its tail (0) is not in its own run: incomplete
            VhdxLogBuilder.SetLogGuid(file, LogGuid);
        }

        _ = Read(path, out VhdxImage image);
        using (image)
        {
            Assert.Equal(new VhdxLogReplaySummary(1, 1, 30, 30), image.LogReplay);
            Assert.NotEqual(VhdxBlockState.FullyPresent, image.PayloadEntry(3).State);
        }
    }

    [SkippableFact]
    public void An_entry_wrapping_past_the_logs_end_is_replayed_from_its_tail_and_a_stale_sequence_is_not()
    {
        (string path, long bat) = Base();
        long block2 = AppendBlock(path, 0x42);
        long block5 = AppendBlock(path, 0x45);
        ulong end = (ulong)new FileInfo(path).Length;
        using (FileStream file = File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            // A stale but valid entry of an earlier pass (its own complete sequence, lower numbers) sits at 8 KiB; the
            // live sequence starts 12 KiB before the log's end: entry 41 (2 sectors) and entry 42 (2 sectors), which
            // wraps: its descriptor sector is the log's last, its data sector the log's first.
            VhdxLogBuilder.Put(file, MiB, MiB, 8192, VhdxLogBuilder.Entry(5, 8192, LogGuid, end, end, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 4, block5))));
            uint tail = MiB - 12288;
            byte[] first = VhdxLogBuilder.Entry(41, tail, LogGuid, end, end, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 2, block2)));
            byte[] both = BatSector(path, bat, 2, block2);
            BinaryPrimitives.WriteUInt64LittleEndian(both.AsSpan(5 * 8), VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)block5).Raw);
            byte[] second = VhdxLogBuilder.Entry(42, tail, LogGuid, end, end,
                new VhdxLogBuilder.Write(bat, both), new VhdxLogBuilder.Write(bat + 8192, null, 8192));
            Assert.Equal(8192, first.Length);
            Assert.Equal(8192, second.Length);
            VhdxLogBuilder.Put(file, MiB, MiB, tail, first);
            VhdxLogBuilder.Put(file, MiB, MiB, tail + 8192, second);
            VhdxLogBuilder.SetLogGuid(file, LogGuid);
        }

        byte[] content = Read(path, out VhdxImage image);
        using (image)
        {
            Assert.Equal(new VhdxLogReplaySummary(2, 3, 41, 42), image.LogReplay);
            Assert.NotEqual(VhdxBlockState.FullyPresent, image.PayloadEntry(4).State); // the stale entry is not replayed
        }

        Assert.All(content.AsSpan(5 * MiB, MiB).ToArray(), b => Assert.Equal(0x45, b));
        Assert.All(content.AsSpan(2 * MiB, MiB).ToArray(), b => Assert.Equal(0x42, b));
    }

    [SkippableFact]
    public void A_log_guid_with_no_complete_entry_replays_nothing_and_says_so()
    {
        (string path, _) = Base();
        using (FileStream file = File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            VhdxLogBuilder.SetLogGuid(file, LogGuid);
        }

        _ = Read(path, out VhdxImage image);
        using (image)
        {
            Assert.Equal(0, image.LogReplay!.Entries);
            Assert.Contains(image.Warnings, w => w.Contains("nothing was replayed", StringComparison.Ordinal));
        }
    }

    [SkippableFact]
    public void A_log_whose_file_was_cut_below_its_flushed_offset_is_refused()
    {
        (string path, long bat) = Base();
        ulong end = (ulong)new FileInfo(path).Length;
        using (FileStream file = File.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            VhdxLogBuilder.Put(file, MiB, MiB, 0, VhdxLogBuilder.Entry(1, 0, LogGuid, end + MiB, end + MiB, new VhdxLogBuilder.Write(bat, BatSector(path, bat, 2, (long)end))));
            VhdxLogBuilder.SetLogGuid(file, LogGuid);
        }

        Assert.Equal("FlushedFileOffset", Assert.Throws<VhdxFormatException>(() => VhdxImage.Open(path)).Field);
    }
}
