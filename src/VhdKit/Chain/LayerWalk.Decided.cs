using System.Collections.Immutable;
using VhdKit.Images;

namespace VhdKit.Chain;

// The extent walk a merge needs: what the layers decide, zeros included.
internal static partial class LayerWalk
{
    /// <summary>
    /// The runs of [0, <paramref name="capacity"/>) that the <paramref name="layers"/> decide, whatever lies below them:
    /// those a layer holds (<see cref="DiskExtent.Layer"/> the first run's layer, adjacent held runs coalesced whichever
    /// layer holds them) and those a layer says read as zeros (a VHDX ZERO block, which hides its parents; layer -1,
    /// adjacent ones coalesced). The runs every layer leaves to its parent are left out: what lies below decides them.
    /// </summary>
    /// <param name="layers">Leaf first.</param>
    /// <param name="capacity">The bytes to walk.</param>
    public static ImmutableArray<DiskExtent> Decided(ReadOnlySpan<IDiskLayer> layers, long capacity)
    {
        var extents = ImmutableArray.CreateBuilder<DiskExtent>();
        for (long offset = 0; offset < capacity;)
        {
            var none = default(UpperWindows);
            int layer = Walk(layers, offset, capacity - offset, ref none, out _, out long length);
            if (layer != FellThrough)
            {
                bool joins = extents.Count > 0 && extents[^1].Offset + extents[^1].Length == offset && (extents[^1].Layer >= 0) == (layer >= 0);
                if (joins)
                {
                    extents[^1] = extents[^1] with { Length = extents[^1].Length + length };
                }
                else
                {
                    extents.Add(new DiskExtent(offset, length, layer));
                }
            }

            offset += length;
        }

        return extents.ToImmutable();
    }
}
