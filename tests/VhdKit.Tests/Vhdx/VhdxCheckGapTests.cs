using System.Buffers.Binary;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Format.Vhdx;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>
/// The checks added after the VHDX mutation run: a parent of another logical sector size refused by opening as by
/// <c>check --chain</c>, header sequence ties, and a file the scan refuses left untouched by opening for writing.
/// (Each code's fixture and severity are in <see cref="VhdxCheckTests"/>.)
/// </summary>
public class VhdxCheckGapTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Opening_an_invalid_vhdx_for_writing_is_refused_and_leaves_the_file_unchanged()
    {
        // A pending log (which opening for writing replays into the file) and a BAT entry in state 5, which no VHDX has.
        string file = VhdxCheckFixtures.Dynamic(_folder.File("bad.vhdx"));
        VhdxCheckFixtures.WriteBat(file, 1, new VhdxBatEntry(5)); // before the log entry, which carries the BAT sector
        VhdxCheckFixtures.PendingLog(file, flushed: (ulong)(4 * MiB));
        byte[] before = File.ReadAllBytes(file);

        Assert.ThrowsAny<VhdFormatException>(() => VhdxImage.OpenWritable(file).Dispose());
        Assert.ThrowsAny<VhdFormatException>(() => VirtualDisk.Open(file).Dispose());

        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(file)), "opening for writing changed a file it refused");
    }

    [Theory]
    [InlineData("header")]
    [InlineData("region entry")]
    [InlineData("metadata entry")]
    [InlineData("file parameters")]
    [InlineData("bat")]
    public void A_reserved_field_not_zero_is_one_warning_and_the_file_still_opens(string where)
    {
        string file = VhdxCheckFixtures.Dynamic(_folder.File($"{where}.vhdx"));
        switch (where)
        {
            case "header": // both headers, so whichever is current has it
                PatchWithCrc(file, VhdxLayout.Header1Offset, VhdxHeader.Size, 1000, 0x40);
                PatchWithCrc(file, VhdxLayout.Header2Offset, VhdxHeader.Size, 1000, 0x40);
                break;
            case "region entry": // entry 0's flags, bit 5, in both copies
                PatchWithCrc(file, VhdxLayout.RegionTable1Offset, VhdxRegionTable.Size, VhdxRegionTable.HeaderSize + 28, 0x20);
                PatchWithCrc(file, VhdxLayout.RegionTable2Offset, VhdxRegionTable.Size, VhdxRegionTable.HeaderSize + 28, 0x20);
                break;
            case "metadata entry": // entry 0's Reserved2
                VhdxCheckFixtures.Write(file, (2L * MiB) + VhdxMetadataTable.HeaderSize + 28, [0x01]);
                break;
            case "file parameters": // flag bit 4
                VhdxCheckFixtures.Write(file, VhdxCheckFixtures.ItemOffset(file, VhdxGuids.FileParameters) + 4, [0x10]);
                break;
            default:
                VhdxCheckFixtures.WriteBat(file, 0, new VhdxBatEntry(1UL << 19));
                VhdxCheckFixtures.WriteBat(file, 2, new VhdxBatEntry(1UL << 3));
                break;
        }

        CheckResult report = CheckOperation.Run(new CheckRequest(file));
        CheckFault fault = Assert.Single(report.Faults);
        Assert.Equal(FaultCode.VhdxReservedNonZero, fault.Code);
        Assert.Equal(FaultSeverity.Warning, fault.Severity);
        Assert.True(report.IsClean);
        using VhdxImage image = VhdxImage.Open(file);
        Assert.Equal(8L * MiB, image.Capacity);
    }

    /// <summary>XORs <paramref name="bits"/> into the byte at <paramref name="at"/> of the structure and recomputes its CRC-32C (at offset 4).</summary>
    private static void PatchWithCrc(string file, long offset, int size, int at, byte bits)
    {
        byte[] structure = VhdxCheckFixtures.Read(file, offset, size);
        structure[at] ^= bits;
        BinaryPrimitives.WriteUInt32LittleEndian(structure.AsSpan(4), VhdxChecksum.Compute(structure, 4));
        VhdxCheckFixtures.Write(file, offset, structure);
    }

    [Fact]
    public void A_vhdx_chain_whose_parent_has_another_logical_sector_size_is_refused_by_opening_and_by_check()
    {
        string child = VhdxCheckFixtures.Build(FaultCode.VhdxParentSectorSize, _folder.Path);
        using (VhdxImage alone = VhdxImage.Open(Path.Combine(_folder.Path, "base.vhdx")))
        {
            Assert.Equal(4096, alone.LogicalSectorSize); // the parent alone is a valid disk
        }

        var refused = Assert.Throws<VhdxFormatException>(() => VirtualDisk.Open(child, new VirtualDiskOptions { ReadOnly = true }).Dispose());
        Assert.Contains("512-byte logical sectors", refused.Message, StringComparison.Ordinal);
        Assert.Contains("4096-byte", refused.Message, StringComparison.Ordinal);

        CheckResult report = CheckOperation.Run(new CheckRequest(child) { Chain = true });
        Assert.Equal(FaultSeverity.Error, Assert.Single(report.Faults, f => f.Code == FaultCode.VhdxParentSectorSize).Severity);
        Assert.True(CheckOperation.Run(new CheckRequest(child)).IsClean); // the child alone is sound
    }

    [Fact]
    public void Identical_headers_with_one_sequence_number_read_as_before_and_differing_ones_are_refused()
    {
        string duplicate = VhdxCheckFixtures.Build(FaultCode.VhdxHeaderDuplicate, Directory.CreateDirectory(_folder.File("dup")).FullName);
        using (VhdxImage image = VhdxImage.Open(duplicate))
        {
            Assert.Equal(1, image.CurrentHeader);
            Assert.Contains(image.Warnings, w => w.Contains("identical", StringComparison.Ordinal));
        }

        // A writer gives the two headers distinct sequence numbers again.
        using (VhdxImage image = VhdxImage.OpenWritable(duplicate))
        {
            image.WriteSectors(new byte[512], 0);
        }

        Assert.DoesNotContain(CheckOperation.Run(new CheckRequest(duplicate)).Faults, f => f.Code == FaultCode.VhdxHeaderDuplicate);

        string tie = VhdxCheckFixtures.Build(FaultCode.VhdxHeaderSequenceTie, Directory.CreateDirectory(_folder.File("tie")).FullName);
        byte[] before = File.ReadAllBytes(tie);
        var refused = Assert.Throws<VhdxFormatException>(() => VhdxImage.Open(tie).Dispose());
        Assert.Contains("sequence number", refused.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<VhdFormatException>(() => VhdxImage.OpenWritable(tie).Dispose());
        Assert.True(before.AsSpan().SequenceEqual(File.ReadAllBytes(tie)));
    }
}
