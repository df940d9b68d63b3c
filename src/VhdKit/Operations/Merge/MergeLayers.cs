using VhdKit.Images;

namespace VhdKit.Operations;

/// <summary>The images a merge reads (leaf first, each a child of the next), open read-only until disposed.</summary>
internal sealed class MergeLayers : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly List<IDiskLayer> _layers = [];

    private MergeLayers()
    {
    }

    /// <summary>The layers, leaf first.</summary>
    public IDiskLayer[] Layers => [.. _layers];

    /// <summary>Opens each of <paramref name="paths"/> with <paramref name="open"/>; on a failure the ones opened are closed.</summary>
    public static MergeLayers Open<T>(IEnumerable<string> paths, Func<string, T> open)
        where T : IDiskLayer, IDisposable
    {
        var layers = new MergeLayers();
        try
        {
            foreach (string path in paths)
            {
                T layer = open(path);
                layers._owned.Add(layer);
                layers._layers.Add(layer);
            }

            return layers;
        }
        catch
        {
            layers.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (IDisposable layer in _owned)
        {
            layer.Dispose();
        }

        _owned.Clear();
        _layers.Clear();
    }
}
