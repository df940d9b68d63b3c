using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Benchmarks.Workloads;

/// <summary>
/// Builds the images <c>benchmarks/compare.sh</c> measures, in one folder:
/// <list type="bullet">
/// <item><c>l0.vhd</c> .. <c>l7.vhd</c>: a depth-8 chain (the chain of depth d ends at <c>l{d-1}.vhd</c>). The base
/// (dynamic, 2 MiB blocks) holds random data everywhere; each child rewrites 64 KiB + 1.5 KiB every 8 MiB (or <c>childStepMiB</c>) at
/// a different offset (8 MiB, not denser, by default so that the 2 GiB chain fits in memory on tmpfs), so a layer's share is partly sector-granular and reads split into runs across layers.</item>
/// <item><c>d3.raw</c> and <c>d3-flat.vhd</c>: the depth-3 chain's content as a raw file and as one dynamic VHD.</item>
/// <item><c>offsets.txt</c>: 4096 random 4 KiB-aligned offsets (seed 1), one a line.</item>
/// <item><c>merge-base.vhd</c> (empty) and <c>merge-child.vhd</c> holding the first half of the capacity.</item>
/// <item><c>c100/l0.vhd</c> .. <c>c100/l99.vhd</c>: a depth-100 chain, each layer holding one 4 KiB write.</item>
/// <item><c>big-base.vhd</c> and <c>big-child.vhd</c>: a 64 GiB sparse chain (1 MiB every GiB; 66 KiB every 512 MiB).</item>
/// </list>
/// </summary>
internal static class TestImages
{
    private const int MiB = 1024 * 1024;

    public static void Build(string folder, long capacity, int childStepMiB = 8)
    {
        Random random = BuildChain(folder, capacity, childStepMiB);
        string depth3 = Path.Combine(folder, "l2.vhd");
        ConvertOperation.Run(new ConvertRequest(depth3, Path.Combine(folder, "d3-flat.vhd")) { TargetFormat = ConvertFormat.Dynamic });

        string mergeBase = Path.Combine(folder, "merge-base.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(mergeBase, capacity));
        string mergeChild = Path.Combine(folder, "merge-child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(mergeChild, mergeBase));
        Fill(mergeChild, random, start: 0, step: MiB, length: MiB, capacity / 2);

        BuildDeepChain(Path.Combine(folder, "c100"), capacity, 100);

        const long Big = 64L * 1024 * MiB;
        string bigBase = Path.Combine(folder, "big-base.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(bigBase, Big));
        Fill(bigBase, random, start: 0, step: 1024L * MiB, length: MiB, Big);
        string bigChild = Path.Combine(folder, "big-child.vhd");
        CreateOperation.Run(CreateRequest.Differencing(bigChild, bigBase));
        Fill(bigChild, random, start: 4096, step: 512L * MiB, length: (64 * 1024) + 1536, Big);
    }

    /// <summary>
    /// The part <c>benchmarks/chain-preads.sh</c> needs: the depth-8 chain, <c>d3.raw</c> and <c>offsets.txt</c>.
    /// Returns the random source, to go on with the same sequence.
    /// </summary>
    public static Random BuildChain(string folder, long capacity, int childStepMiB = 8)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(1);
        string parent = Path.Combine(folder, "l0.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, capacity));
        Fill(parent, random, start: 0, step: MiB, length: MiB, capacity);
        for (int layer = 1; layer < 8; layer++)
        {
            string path = Path.Combine(folder, $"l{layer}.vhd");
            CreateOperation.Run(CreateRequest.Differencing(path, parent));
            Fill(path, random, start: layer * 4096L, step: childStepMiB * (long)MiB, length: (64 * 1024) + 1536, capacity);
            parent = path;
        }

        ConvertOperation.Run(new ConvertRequest(Path.Combine(folder, "l2.vhd"), Path.Combine(folder, "d3.raw")) { TargetFormat = ConvertFormat.Raw });
        File.WriteAllLines(Path.Combine(folder, "offsets.txt"),
            Enumerable.Range(0, 4096).Select(_ => (random.NextInt64(0, capacity / 4096) * 4096).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return random;
    }

    private static void BuildDeepChain(string folder, long capacity, int depth)
    {
        Directory.CreateDirectory(folder);
        string parent = Path.Combine(folder, "l0.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, capacity));
        var chunk = new byte[4096];
        for (int layer = 1; layer < depth; layer++)
        {
            string path = Path.Combine(folder, $"l{layer}.vhd");
            CreateOperation.Run(CreateRequest.Differencing(path, parent));
            using (VirtualDisk disk = VirtualDisk.Open(path))
            {
                chunk.AsSpan().Fill((byte)layer);
                disk.Write(chunk, layer * 8192L % capacity);
            }

            parent = path;
        }
    }

    private static void Fill(string path, Random random, long start, long step, int length, long capacity)
    {
        var chunk = new byte[length];
        using VirtualDisk disk = VirtualDisk.Open(path);
        for (long offset = start; offset + length <= capacity; offset += step)
        {
            random.NextBytes(chunk);
            disk.Write(chunk, offset);
        }
    }
}
