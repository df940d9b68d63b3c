using System.Buffers.Binary;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Operations;

/// <summary>
/// One hand-corrupted fixture per <see cref="FaultCode"/>, each built in code from a clean image (the clean
/// image's layout: footer copy at 0, header at 512, BAT at 1536, locator data after the BAT).
/// </summary>
public static class CheckFixtures
{
    public const long MiB = ImageFiles.MiB;

    /// <summary>The codes <see cref="VhdRepairer"/> fixes in their fixture.</summary>
    public static readonly FaultCode[] Repairable =
    [
        FaultCode.FooterChecksum, FaultCode.EndFooterMissing, FaultCode.FooterCopyMismatch,
        FaultCode.HeaderChecksum, FaultCode.BatEntryPastEnd, FaultCode.OrphanTail,
    ];

    /// <summary>The VHDX codes repair fixes in their fixture (VhdxRepairTests; BatEntryPastEnd is repairable in a VHDX too).</summary>
    public static readonly FaultCode[] VhdxRepairable =
    [
        FaultCode.VhdxHeaderDamaged, FaultCode.VhdxRegionTableDamaged, FaultCode.VhdxLogPending, FaultCode.VhdxLogEmpty,
    ];

    /// <summary>The chain-level codes (their fixtures are checked with <see cref="CheckRequest.Chain"/>).</summary>
    public static readonly FaultCode[] ChainCodes =
    [
        FaultCode.ParentNotFound, FaultCode.ParentIdMismatch, FaultCode.ParentTimestampMismatch,
        FaultCode.ParentSizeDiffers, FaultCode.ChainCycle, FaultCode.ChainTooDeep, FaultCode.VhdxParentLinkage,
        FaultCode.VhdxParentSectorSize,
    ];

    public static IEnumerable<object[]> AllCodes() => Enum.GetValues<FaultCode>().Select(c => new object[] { c });

    public static IEnumerable<object[]> RepairableCodes() => Repairable.Select(c => new object[] { c });

    /// <summary>Builds the fixture for <paramref name="code"/> in <paramref name="folder"/>; returns the file to check.</summary>
    public static string Build(FaultCode code, string folder)
    {
        string file = Path.Combine(folder, "disk.vhd");
        switch (code)
        {
            case FaultCode.FileTooShort:
                File.WriteAllBytes(file, new byte[100]);
                return file;
            case FaultCode.FooterCookie:
                ImageFiles.Fixed(file);
                ImageFiles.WriteRaw(file, EndFooter(file), "garbage!"u8);
                return file;
            case FaultCode.FooterChecksum:
                ImageFiles.Fixed(file);
                ImageFiles.WriteBigEndian(file, EndFooter(file) + 64, 0x12345678);
                return file;
            case FaultCode.FooterFeatures:
                return PatchFooter(ImageFiles.Dynamic(file), f => f with { Features = FooterFeatures.None });
            case FaultCode.FooterVersion:
                return PatchFooter(ImageFiles.Dynamic(file), f => f with { FormatVersion = 0x00020000 });
            case FaultCode.FooterDataOffset:
                return PatchFooter(ImageFiles.Dynamic(file), f => f with { DataOffset = 16 });
            case FaultCode.FooterTimestampInFuture:
                return PatchFooter(ImageFiles.Dynamic(file), f => f with { Timestamp = VhdTimestamp.Now() + (10 * 24 * 3600) });
            case FaultCode.FooterCurrentSize:
                return PatchFooter(ImageFiles.Fixed(file, 4 * MiB), f => f with { CurrentSize = 8 * MiB }, copyToo: false);
            case FaultCode.FooterGeometry:
                return PatchFooter(ImageFiles.Dynamic(file), f => f with { Geometry = new DiskGeometry(1000, 16, 63) });
            case FaultCode.FooterDiskType:
                return PatchFooter(ImageFiles.Dynamic(file), f => f with { DiskType = (VhdDiskType)7 });
            case FaultCode.FooterSavedState:
                return PatchFooter(ImageFiles.Dynamic(file), f => f with { SavedState = 1 });
            case FaultCode.FooterReserved:
                ImageFiles.Dynamic(file);
                PatchRaw(file, EndFooter(file), 512, 64, b => b[200] = 0x55);
                PatchRaw(file, 0, 512, 64, b => b[200] = 0x55);
                return file;
            case FaultCode.EndFooterMissing:
                ImageFiles.Dynamic(file);
                ImageFiles.WriteRaw(file, EndFooter(file), new byte[512]);
                return file;
            case FaultCode.FooterCopyMismatch:
                ImageFiles.Dynamic(file);
                ImageFiles.WriteRaw(file, 0, new byte[512]);
                return file;
            case FaultCode.HeaderCookie:
                ImageFiles.Dynamic(file);
                ImageFiles.WriteRaw(file, 512, "garbage!"u8);
                return file;
            case FaultCode.HeaderChecksum:
                ImageFiles.Dynamic(file);
                ImageFiles.WriteBigEndian(file, 512 + 36, 0x12345678);
                return file;
            case FaultCode.HeaderVersion:
                return PatchHeader(ImageFiles.Dynamic(file), h => h with { HeaderVersion = 0x00020000 });
            case FaultCode.HeaderDataOffset:
                return PatchHeader(ImageFiles.Dynamic(file), h => h with { DataOffset = 0 });
            case FaultCode.HeaderBlockSize:
                return PatchHeader(ImageFiles.Dynamic(file), h => h with { BlockSize = 3000 });
            case FaultCode.HeaderMaxTableEntries:
                return PatchHeader(ImageFiles.Dynamic(file), h => h with { MaxTableEntries = 1 });
            case FaultCode.HeaderTableOffset:
                return PatchHeader(ImageFiles.Dynamic(file), h => h with { TableOffset = 100_000_000 });
            case FaultCode.HeaderReserved:
                ImageFiles.Dynamic(file);
                PatchRaw(file, 512, 1024, 36, b => b[900] = 0x55);
                return file;
            case FaultCode.LocatorPlatformUnknown:
                return PatchLocator(folder, e => e with { Platform = (ParentLocatorPlatform)0x41424344 });
            case FaultCode.LocatorDataTooLong:
                return PatchLocator(folder, e => e with { PlatformDataLength = 10_000_000 });
            case FaultCode.LocatorDataOutsideFile:
                return PatchLocator(folder, e => e with { PlatformDataOffset = 1UL << 40 });
            case FaultCode.LocatorDataSpaceTooSmall:
                return PatchLocator(folder, e => e with { PlatformDataSpace = 1, PlatformDataLength = 600 });
            case FaultCode.LocatorTextUndecodable:
            {
                string child = Child(folder);
                ParentLocatorEntry entry = TextLocator(child);
                ImageFiles.WriteRaw(child, (long)entry.PlatformDataOffset, [0x00, 0xD8, 0x41, 0x00]);
                return child;
            }

            case FaultCode.BatEntryPastEnd:
                ImageFiles.Dynamic(file);
                ImageFiles.WriteBigEndian(file, 1536, 0x00FFFFFF);
                return file;
            case FaultCode.BatEntryInMetadata:
                ImageFiles.Dynamic(file);
                ImageFiles.WriteBigEndian(file, 1536, 1);
                return file;
            case FaultCode.BatEntriesOverlap:
            {
                WriteSectors(ImageFiles.Dynamic(file), 0, 4 * MiB);
                ImageFiles.WriteBigEndian(file, 1536 + 4, ReadBatEntry(file, 0));
                return file;
            }

            case FaultCode.OrphanTail:
            {
                ImageFiles.Dynamic(file);
                long end = EndFooter(file);
                byte[] footer = ReadRaw(file, end, 512);
                ImageFiles.WriteRaw(file, end, new byte[4096]);
                ImageFiles.WriteRaw(file, end + 4096, footer);
                return file;
            }

            case FaultCode.ParentNotFound:
            {
                string child = Child(folder);
                File.Delete(Path.Combine(folder, "base.vhd"));
                return child;
            }

            case FaultCode.ParentIdMismatch:
            {
                string child = Child(folder);
                File.Delete(Path.Combine(folder, "base.vhd"));
                ImageFiles.Dynamic(Path.Combine(folder, "base.vhd"));
                return child;
            }

            case FaultCode.ParentTimestampMismatch:
            {
                string child = Child(folder);
                string parent = Path.Combine(folder, "base.vhd");
                File.SetLastWriteTimeUtc(parent, File.GetLastWriteTimeUtc(parent).AddHours(1));
                return child;
            }

            case FaultCode.ParentSizeDiffers:
            {
                string child = Child(folder);
                PatchFooter(Path.Combine(folder, "base.vhd"), f => f with { CurrentSize = 6 * MiB });
                return child;
            }

            case FaultCode.ChainCycle:
            {
                // base.vhd becomes a differencing disk whose parent is its own child.
                string child = Child(folder);
                string parent = Path.Combine(folder, "base.vhd");
                Guid childId = ImageFiles.ReadFooter(child, new FileInfo(child).Length - 512).UniqueId;
                PatchFooter(parent, f => f with { DiskType = VhdDiskType.Differencing });
                PatchHeader(parent, h => h with { ParentUniqueId = childId, ParentName = "child.vhd" });
                return child;
            }

            case FaultCode.ChainTooDeep:
                return Child(folder);
            case FaultCode.MergeInterrupted:
            {
                // A merge into disk.vhd was interrupted: its journal remains beside it.
                ImageFiles.Dynamic(file);
                MergeJournal.Write(Path.GetFullPath(file), [Path.Combine(folder, "child.vhd")], ImageFiles.ReadFooter(file, 0).UniqueId);
                return file;
            }

            case var _ when code.ToString().StartsWith("Vhdx", StringComparison.Ordinal):
                return Vhdx.VhdxCheckFixtures.Build(code, folder);
            default:
                throw new ArgumentOutOfRangeException(nameof(code), code, "no fixture for this fault code");
        }
    }

    /// <summary>The options a fixture is checked with.</summary>
    public static CheckRequest RequestFor(string file, FaultCode code) => code switch
    {
        FaultCode.ChainTooDeep => new CheckRequest(file) { Chain = true, MaxChainDepth = 1 },
        _ when ChainCodes.Contains(code) => new CheckRequest(file) { Chain = true },
        _ => new CheckRequest(file),
    };

    public static long EndFooter(string file) => new FileInfo(file).Length - 512;

    public static byte[] ReadRaw(string file, long offset, int length)
    {
        var bytes = new byte[length];
        using var stream = File.OpenRead(file);
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static string PatchFooter(string file, Func<VhdFooter, VhdFooter> change, bool copyToo = true)
    {
        ImageFiles.PatchFooter(file, change, copyToo);
        return file;
    }

    private static string PatchHeader(string file, Func<DynamicHeader, DynamicHeader> change)
    {
        ImageFiles.PatchHeader(file, change);
        return file;
    }

    /// <summary>Changes raw bytes of a structure and recomputes its checksum (so only the change is at fault).</summary>
    private static void PatchRaw(string file, long offset, int size, int checksumOffset, Action<byte[]> change)
    {
        byte[] bytes = ReadRaw(file, offset, size);
        change(bytes);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(checksumOffset), VhdChecksum.Compute(bytes, checksumOffset));
        ImageFiles.WriteRaw(file, offset, bytes);
    }

    private static string Child(string folder)
    {
        string parent = ImageFiles.Dynamic(Path.Combine(folder, "base.vhd"));
        return ImageFiles.Differencing(Path.Combine(folder, "child.vhd"), parent);
    }

    private static ParentLocatorEntry TextLocator(string child) =>
        ImageFiles.ReadHeader(child).ParentLocators.First(e => e.Platform is ParentLocatorPlatform.W2ku or ParentLocatorPlatform.W2ru);

    private static string PatchLocator(string folder, Func<ParentLocatorEntry, ParentLocatorEntry> change)
    {
        string child = Child(folder);
        ImageFiles.PatchHeader(child, h =>
        {
            int index = h.ParentLocators.IndexOf(TextLocator(child));
            return h with { ParentLocators = h.ParentLocators.SetItem(index, change(h.ParentLocators[index])) };
        });
        return child;
    }

    private static void WriteSectors(string file, long offset, long length = 512)
    {
        using VhdImage image = VhdImage.Open(file, new VhdOpenOptions { Writable = true });
        var data = new byte[length];
        Array.Fill(data, (byte)0xAB);
        image.WriteSectors(data, offset);
        image.Flush();
    }

    private static uint ReadBatEntry(string file, int block) =>
        BinaryPrimitives.ReadUInt32BigEndian(ReadRaw(file, 1536 + (block * 4L), 4));
}
