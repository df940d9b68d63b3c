using VhdKit.Format;

namespace VhdKit.Cli.Output;

/// <summary>The footer's CHS geometry.</summary>
/// <param name="Cylinders">Cylinders.</param>
/// <param name="Heads">Heads.</param>
/// <param name="SectorsPerTrack">Sectors per track.</param>
/// <param name="Capacity">C×H×S×512, in bytes: the size readers that believe the geometry see.</param>
/// <param name="Maximum">Whether it is the maximum 65535/16/255, for which every reader uses the current size.</param>
internal sealed record GeometryDocument(int Cylinders, int Heads, int SectorsPerTrack, long Capacity, bool Maximum)
{
    public static GeometryDocument From(DiskGeometry g) => new(g.Cylinders, g.Heads, g.SectorsPerTrack, g.CapacityInBytes, g.IsMaximum);
}
