using VhdKit.Chain;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary>One run of the disk and the layer it comes from (qemu-img map's <c>start</c>, <c>length</c>, <c>depth</c>, <c>present</c>, <c>zero</c>, <c>data</c>).</summary>
/// <param name="Start">Its offset in the disk, in bytes.</param>
/// <param name="Length">Its length, in bytes.</param>
/// <param name="Depth">The layer that holds it: 0 the image named, 1 its parent, ...; <see langword="null"/> when no layer does.</param>
/// <param name="Present">Whether some layer holds it.</param>
/// <param name="Zero">Whether it reads as zeros because no layer holds it.</param>
/// <param name="Data">Whether a layer holds data for it (the same as <paramref name="Present"/> for VHD).</param>
/// <param name="Filename">The absolute path of the layer that holds it; <see langword="null"/> when none does.</param>
internal sealed record ExtentDocument(long Start, long Length, int? Depth, bool Present, bool Zero, bool Data, string? Filename)
{
    public static ExtentDocument From(DiskExtent extent, VirtualDisk disk) => extent.IsAllocated
        ? new(extent.Offset, extent.Length, extent.Layer, true, false, true, StorageLocations.Display(disk.LayerPath(extent.Layer)))
        : new(extent.Offset, extent.Length, null, false, true, false, null);
}
