using System.Buffers.Binary;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// The VHDX editor: opening for writing replays a pending log into the file and rewrites both headers the spec's way;
/// metadata writes go through the log (an entry a crash leaves behind replays them; a wrapped circular log too); the
/// LogGuid is cleared on a clean close. Our reader, the spec reader and qemu agree on every file.
/// </summary>
public class VhdxEditorTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Opening_for_writing_replays_a_pending_log_into_the_file_and_clears_the_log_guid()
    {
        string path = _folder.File("p.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8L * MiB, blockSize: MiB);
        byte[] data = VhdxTestFiles.Pattern(MiB, 3);
        long batOffset;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            batOffset = (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        }

        // A block appended past the end, and a log entry naming it in BAT entry 2 (the file is not extended: the
        // entry's LastFileOffset says how long it must become).
        long blockAt = new FileInfo(path).Length;
        var bat = new byte[4096];
        BinaryPrimitives.WriteUInt64LittleEndian(bat.AsSpan(16), VhdxBatEntry.Create(VhdxBlockState.FullyPresent, (ulong)blockAt).Raw);
        var logGuid = Guid.NewGuid();
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = blockAt;
            file.Write(data.AsSpan(0, MiB / 2));
            byte[] entry = VhdxLogBuilder.Entry(1, 0, logGuid, (ulong)blockAt, (ulong)(blockAt + MiB), new VhdxLogBuilder.Write(batOffset, bat));
            VhdxLogBuilder.Put(file, MiB, MiB, 0, entry);
            VhdxLogBuilder.SetLogGuid(file, logGuid);
        }

        VhdxHeader before;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            before = image.Header;
            Assert.Equal(1, image.LogReplay!.Entries);
        }

        using (var storage = FileStorage.Open(path, FileAccess.ReadWrite))
        {
            var editor = VhdxEditor.Open(storage);
            Assert.Equal(1, editor.ReplayedEntries);
        }

        Assert.Equal(blockAt + MiB, new FileInfo(path).Length);
        using (VhdxImage image = VhdxImage.Open(path))
        {
            Assert.Null(image.LogReplay); // LogGuid zero: nothing left to replay
            Assert.Equal(VhdxBlockState.FullyPresent, image.PayloadEntry(2).State);
            var content = new byte[MiB];
            image.ReadOwn(content, 2L * MiB);
            Assert.Equal(data.AsSpan(0, MiB / 2).ToArray(), content.AsSpan(0, MiB / 2).ToArray());
            Assert.True(content.AsSpan(MiB / 2).IndexOfAnyExcept((byte)0) < 0);

            // Both headers rewritten, in turn, with the next sequence numbers; a new FileWriteGuid, the same DataWriteGuid.
            Assert.True(image.Header1.IsValid && image.Header2.IsValid);
            Assert.Equal(before.SequenceNumber + 2, image.Header.SequenceNumber);
            Assert.Equal(1UL, image.Header1.SequenceNumber > image.Header2.SequenceNumber ? image.Header1.SequenceNumber - image.Header2.SequenceNumber : image.Header2.SequenceNumber - image.Header1.SequenceNumber);
            Assert.NotEqual(before.FileWriteGuid, image.Header.FileWriteGuid);
            Assert.Equal(before.DataWriteGuid, image.Header.DataWriteGuid);
            Assert.Equal(Guid.Empty, image.Header1.LogGuid);
            Assert.Equal(Guid.Empty, image.Header2.LogGuid);
        }

        AssertSpecReaderAgrees(path);
    }

    [Fact]
    public void A_metadata_write_left_in_the_log_by_a_crash_replays_and_a_clean_close_clears_the_log_guid()
    {
        string path = _folder.File("m.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8L * MiB, blockSize: MiB);
        long batOffset;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            batOffset = (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        }

        // An editor session that logs a BAT sector (entry 1 ZERO) and stops without closing: as a crash after the
        // entry was applied leaves it. The log entry is live: LogGuid set, and replaying it gives the same file.
        var bat = new byte[4096];
        BinaryPrimitives.WriteUInt64LittleEndian(bat.AsSpan(8), (ulong)VhdxBlockState.Zero);
        byte[] crashed;
        using (var storage = FileStorage.Open(path, FileAccess.ReadWrite))
        {
            var editor = VhdxEditor.Open(storage);
            editor.WriteMetadata([new LogWrite(batOffset, bat.Length, bat)]);
            Assert.NotEqual(Guid.Empty, editor.Header.LogGuid);
            crashed = File.ReadAllBytes(path);
            editor.Close();
            Assert.Equal(Guid.Empty, editor.Header.LogGuid);
        }

        string crashedPath = _folder.File("crashed.vhdx");
        File.WriteAllBytes(crashedPath, crashed);
        using (VhdxImage image = VhdxImage.Open(crashedPath))
        {
            Assert.Equal(1, image.LogReplay!.Entries);
            Assert.Equal(VhdxBlockState.Zero, image.PayloadEntry(1).State);
        }

        // The entry was applied in place too, and the clean close cleared the LogGuid: the file itself says the same.
        using (VhdxImage image = VhdxImage.Open(path))
        {
            Assert.Null(image.LogReplay);
            Assert.Equal(VhdxBlockState.Zero, image.PayloadEntry(1).State);
        }

        AssertSpecReaderAgrees(crashedPath);
        AssertSpecReaderAgrees(path);
    }

    [Fact]
    public void Log_entries_wrap_around_the_circular_log_and_the_newest_replays()
    {
        string path = _folder.File("w.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8L * MiB, blockSize: MiB);
        long batOffset;
        using (VhdxImage image = VhdxImage.Open(path))
        {
            batOffset = (long)image.RegionTable.Find(VhdxGuids.BatRegion)!.Value.FileOffset;
        }

        // Entries of 5 sectors (20 KiB) in a 1 MiB log: the 52nd starts 4 KiB before the log's end and wraps.
        using var storage = FileStorage.Open(path, FileAccess.ReadWrite);
        var editor = VhdxEditor.Open(storage);
        for (int i = 0; i < 52; i++)
        {
            var bat = new byte[4096];
            BinaryPrimitives.WriteUInt64LittleEndian(bat, (ulong)(i % 2 == 0 ? VhdxBlockState.Zero : VhdxBlockState.Unmapped));
            var writes = new List<LogWrite> { new(batOffset, bat.Length, bat) };
            for (int z = 1; z < 4; z++)
            {
                writes.Add(new LogWrite(batOffset + (z * 4096L), 4096, new byte[4096]));
            }

            editor.WriteMetadata(writes);
        }

        // The newest entry (sequence 52) runs from 1 MiB - 4 KiB past the log's end: 4 KiB of it at the end, the rest at the start.
        string crashed = _folder.File("crashed.vhdx");
        File.Copy(path, crashed);
        byte[] head = File.ReadAllBytes(crashed).AsSpan(MiB + MiB - 4096, 4).ToArray();
        Assert.Equal("loge"u8.ToArray(), head);
        using (VhdxImage image = VhdxImage.Open(crashed))
        {
            Assert.Equal(52UL, image.LogReplay!.LastSequence);
            Assert.Equal(1, image.LogReplay.Entries);
            Assert.Equal(VhdxBlockState.Unmapped, image.PayloadEntry(0).State);
        }

        AssertSpecReaderAgrees(crashed);
    }

    [Fact]
    public void A_metadata_write_into_the_header_section_or_the_log_is_refused()
    {
        string path = _folder.File("r.vhdx");
        VhdxTestFiles.Create(path, VhdDiskType.Dynamic, 8L * MiB, blockSize: MiB);
        byte[] before = File.ReadAllBytes(path);
        using var storage = FileStorage.Open(path, FileAccess.ReadWrite);
        var editor = VhdxEditor.Open(storage);
        Assert.Throws<ArgumentException>(() => editor.WriteMetadata([new LogWrite(VhdxLayout.RegionTable1Offset, 4096, new byte[4096])]));
        Assert.Throws<ArgumentException>(() => editor.WriteMetadata([new LogWrite(MiB + 4096, 4096, new byte[4096])]));
        Assert.Throws<ArgumentException>(() => editor.WriteMetadata([new LogWrite((3 * MiB) + 100, 4096, new byte[4096])]));
        Assert.Equal(Guid.Empty, editor.Header.LogGuid);
        Assert.Equal(before.AsSpan((int)VhdxLayout.RegionTable1Offset, 4096).ToArray(), File.ReadAllBytes(path).AsSpan((int)VhdxLayout.RegionTable1Offset, 4096).ToArray());
    }

    private static void AssertSpecReaderAgrees(string path)
    {
        using VhdxImage image = VhdxImage.Open(path);
        var ours = new byte[image.Capacity];
        image.ReadOwn(ours, 0);
        Assert.True(ours.AsSpan().SequenceEqual(VhdxSpecReader.Content(path, path + ".spec")), $"{path}: the spec reader differs");
    }
}
