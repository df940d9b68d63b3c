using System.Buffers.Binary;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Tests.Images;

/// <summary>The editor's small methods, as a repair calls them (from a scan's facts, on files that may not open).</summary>
public class MetadataEditorTests
{
    private const long Capacity = 8 * 1024 * 1024;
    private const long TableEnd = 1536 + 512; // 4 entries of 2 MiB blocks, one sector

    private static MemoryStorage NewDynamic()
    {
        var storage = new MemoryStorage("edited");
        CreateOperation.Create(storage, CreateRequest.Dynamic(storage.Name, Capacity));
        return storage;
    }

    private static MetadataEditor EditorFromFacts(MemoryStorage storage, bool footerAtEnd = true) =>
        new(storage, footerAtEnd ? storage.Length - 512 : 0, footerAtEnd, 512, TableEnd);

    [Fact]
    public void FixHeaderChecksum_sums_the_header_as_the_file_holds_it()
    {
        MemoryStorage storage = NewDynamic();
        storage.Write([0x5A], 512 + 1000); // a reserved byte of the second sector; the checksum is now stale
        Assert.Throws<VhdFormatException>(() => VhdImage.Open(storage));
        EditorFromFacts(storage).FixHeaderChecksum();
        using VhdImage image = VhdImage.Open(storage);
        var reserved = new byte[1];
        storage.Read(reserved, 512 + 1000);
        Assert.Equal(0x5A, reserved[0]);
    }

    [Fact]
    public void WriteEndFooterAt_rebuilds_a_lost_end_footer_from_the_copy()
    {
        MemoryStorage storage = NewDynamic();
        storage.SetLength(storage.Length - 512);
        EditorFromFacts(storage, footerAtEnd: false).WriteEndFooterAt(TableEnd);
        Assert.Equal(TableEnd + 512, storage.Length);
        Assert.True(CheckOperation.Check(storage).IsClean);
    }

    [Fact]
    public void RewriteFooterCopy_rewrites_a_damaged_copy_from_the_end_footer()
    {
        MemoryStorage storage = NewDynamic();
        storage.Write(new byte[512], 0);
        Assert.True(CheckOperation.Check(storage).Has(FaultCode.FooterCopyMismatch));
        EditorFromFacts(storage).RewriteFooterCopy();
        Assert.True(CheckOperation.Check(storage).Faults.IsEmpty);
    }

    [Fact]
    public void ClearBatEntries_clears_only_the_named_entries()
    {
        MemoryStorage storage = NewDynamic();
        var named = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(named, 0x12345678);
        BinaryPrimitives.WriteUInt32BigEndian(named.AsSpan(4), 0x12345678);
        storage.Write(named, 1536 + 8); // entries 2 and 3
        EditorFromFacts(storage).ClearBatEntries([2]);
        var entry = new byte[4];
        storage.Read(entry, 1536 + 8);
        Assert.Equal(BlockAllocationTable.Unallocated, BinaryPrimitives.ReadUInt32BigEndian(entry));
        var neighbour = new byte[4];
        storage.Read(neighbour, 1536 + 12);
        Assert.Equal(0x12345678u, BinaryPrimitives.ReadUInt32BigEndian(neighbour));
    }

    [Fact]
    public void New_structures_go_only_into_space_reserved_past_the_end()
    {
        MemoryStorage storage = NewDynamic();
        long length = storage.Length;
        MetadataEditor editor = EditorFromFacts(storage);
        Assert.Throws<ArgumentException>(() => editor.Stage(1536, new byte[512])); // the live BAT
        long reserved = editor.Reserve(100);
        Assert.True(reserved >= length, $"reserved at {reserved}, inside the {length}-byte file");
        Assert.Throws<ArgumentException>(() => editor.Stage(reserved, new byte[1024])); // longer than reserved
    }

    [Fact]
    public void A_read_only_image_is_refused()
    {
        MemoryStorage storage = NewDynamic();
        using VhdImage image = VhdImage.Open(new MemoryStorage(storage.ToArray(), "read-only", canWrite: false));
        Assert.Throws<NotSupportedException>(() => new MetadataEditor(image));
    }
}
