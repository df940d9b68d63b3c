using VhdKit.Chain;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd map --output=json</c>: which layer holds each run of the disk, in qemu-img map's terms.</summary>
/// <param name="Filename">The image, as an absolute path.</param>
/// <param name="VirtualSize">The disk's size in bytes: the extents cover it exactly.</param>
/// <param name="Extents">The runs, in order, adjacent, none empty.</param>
internal sealed record MapDocument(string Filename, long VirtualSize, IReadOnlyList<ExtentDocument> Extents) : VerbDocument("map")
{
    public static MapDocument From(VirtualDisk disk) => new(
        StorageLocations.Display(disk.Path),
        disk.Capacity,
        [.. disk.GetExtents().Select(e => ExtentDocument.From(e, disk))]);
}
