using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Tests.Support;

/// <summary>
/// Builds a chain layer by layer, writing random data into each through <see cref="VirtualDisk"/> and keeping a
/// plain byte array (the reference model) of what the guest should see.
/// </summary>
public sealed class ChainBuilder
{
    private readonly string _folder;
    private readonly Random _random;

    public ChainBuilder(string folder, long capacity, int seed)
    {
        _folder = folder;
        _random = new Random(seed);
        Model = new byte[capacity];
    }

    /// <summary>A depth-3 chain (a base and two differencing children) with six random writes of up to 2 MiB in each layer.</summary>
    public static ChainBuilder Depth3(string folder, long capacity, int seed)
    {
        var chain = new ChainBuilder(folder, capacity, seed);
        for (int layer = 0; layer < 3; layer++)
        {
            chain.AddLayer(writes: 6, maxWrite: 2 * 1024 * 1024);
        }

        return chain;
    }

    public byte[] Model { get; }

    /// <summary>The layers' extension: <c>.vhd</c> (the default) or <c>.vhdx</c> (a VHDX chain).</summary>
    public string Extension { get; init; } = ".vhd";

    /// <summary>The base's logical sector size (VHDX only: 512 or 4096; null for the default), which its children take.</summary>
    public int? LogicalSectorSize { get; init; }

    public List<string> Layers { get; } = [];

    public string Leaf => Layers[^1];

    /// <summary>Adds a layer (the base first) and writes <paramref name="writes"/> random extents into it.</summary>
    public string AddLayer(int writes, int? blockSize = null, int maxWrite = 5 * 1024 * 1024, Action<VirtualDisk>? afterEachWrite = null)
    {
        string path = Path.Combine(_folder, $"layer{Layers.Count}{Extension}");
        CreateRequest request = Layers.Count == 0
            ? CreateRequest.Dynamic(path, Model.Length) with { BlockSize = blockSize, LogicalSectorSize = LogicalSectorSize }
            : CreateRequest.Differencing(path, Leaf) with { BlockSize = blockSize };
        CreateOperation.Run(request);
        Layers.Add(path);
        using VirtualDisk disk = VirtualDisk.Open(path);
        for (int i = 0; i < writes; i++)
        {
            WriteRandom(disk, maxWrite);
            if (_random.Next(4) == 0)
            {
                disk.Flush();
            }

            afterEachWrite?.Invoke(disk);
        }

        return path;
    }

    public void WriteRandom(VirtualDisk disk, int maxWrite = 5 * 1024 * 1024)
    {
        int length = _random.Next(4) switch
        {
            0 => _random.Next(1, 600),
            1 => _random.Next(1, 70_000),
            _ => _random.Next(1, maxWrite + 1),
        };
        length = (int)Math.Min(length, Model.Length);
        long offset = _random.NextInt64(0, Model.Length - length + 1);
        var data = new byte[length];
        _random.NextBytes(data);
        disk.Write(data, offset);
        data.CopyTo(Model, offset);
    }

    public static void AssertContent(byte[] expected, VirtualDisk disk)
    {
        var actual = new byte[expected.Length];
        Assert.Equal(expected.Length, disk.Read(actual, 0));
        AssertBytes(expected, actual);
    }

    public static void AssertBytes(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatch = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(mismatch == expected.Length,
            $"content differs first at byte {mismatch} (sector {mismatch / 512}): expected 0x{(mismatch < expected.Length ? expected[mismatch] : 0):X2}, was 0x{(mismatch < actual.Length ? actual[mismatch] : 0):X2}");
    }
}
