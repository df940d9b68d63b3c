using VhdKit.Format.Vhdx;

namespace VhdKit.Images.Vhdx;

/// <summary>Where the structures this file's metadata names end.</summary>
public sealed partial class VhdxImage
{
    /// <summary>
    /// The first 1 MiB boundary past everything the metadata names: the header section, the log, every region and
    /// every present payload or sector bitmap block (a whole block, even the last one of a size that is not a
    /// multiple of the block size). Bytes past it are named by nothing: new blocks go there, and a file may be cut there.
    /// </summary>
    internal long NamedEnd()
    {
        long end = Math.Max(VhdxLayout.HeaderSectionSize, (long)(Header.LogOffset + Header.LogLength));
        foreach (VhdxRegionEntry region in RegionTable.Entries)
        {
            end = Math.Max(end, (long)region.FileOffset + region.Length);
        }

        for (long index = 0; index < _bat.Length; index++)
        {
            var entry = new VhdxBatEntry(_bat[index]);
            if (entry.State is VhdxBlockState.FullyPresent or VhdxBlockState.PartiallyPresent)
            {
                bool bitmap = (index + 1) % (Geometry.ChunkRatio + 1) == 0;
                end = Math.Max(end, (long)entry.FileOffset + (bitmap ? VhdxLayout.MiB : BlockSize));
            }
        }

        return (end + VhdxLayout.MiB - 1) / VhdxLayout.MiB * VhdxLayout.MiB;
    }
}
