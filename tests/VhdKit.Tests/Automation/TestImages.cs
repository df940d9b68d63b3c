using VhdKit.Format;
using VhdKit.Operations;

namespace VhdKit.Tests.Automation;

/// <summary>Parents for the tests, built in code.</summary>
public static class TestImages
{
    public const long MiB = 1024 * 1024;

    /// <summary>A dynamic image of <paramref name="size"/> bytes (a few KiB on disk).</summary>
    public static string Dynamic(string path, long size = 16 * MiB)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        CreateOperation.Run(CreateRequest.Dynamic(path, size));
        return path;
    }

    /// <summary>
    /// A sparse fixed image of any <paramref name="capacity"/>, even one VhdKit would not create (below 3 MiB, above
    /// 2040 GiB: fixed disks have no BAT, so a reader accepts them): the data area is a hole, then the footer.
    /// </summary>
    public static string SparseFixed(string path, long capacity)
    {
        var footer = new VhdFooter
        {
            Features = FooterFeatures.Reserved,
            FormatVersion = VhdConstants.FormatVersion,
            DataOffset = VhdConstants.NoDataOffset,
            CreatorApplication = VhdFooter.VhdKitCreator,
            CreatorVersion = VhdFooter.VhdKitCreatorVersion,
            CreatorHostOs = VhdFooter.WindowsHostOs,
            OriginalSize = (ulong)capacity,
            CurrentSize = (ulong)capacity,
            Geometry = DiskGeometry.FromCapacity(Math.Min(capacity, VhdConstants.MaximumDiskSize)),
            DiskType = VhdDiskType.Fixed,
            UniqueId = Guid.NewGuid(),
        };
        var bytes = new byte[VhdFooter.Size];
        footer.WriteTo(bytes);
        using var file = new FileStream(path, FileMode.CreateNew);
        file.SetLength(capacity);
        file.Position = capacity;
        file.Write(bytes);
        return path;
    }

    /// <summary>A file that is not a VHD.</summary>
    public static string Corrupt(string path)
    {
        File.WriteAllBytes(path, new byte[64 * 1024]);
        return path;
    }
}
