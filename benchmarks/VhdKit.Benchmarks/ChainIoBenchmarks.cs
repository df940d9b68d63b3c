using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;
using VhdKit.Chain;
using VhdKit.Operations;

namespace VhdKit.Benchmarks;

/// <summary>
/// Reads and writes through chains of depth 1, 3 and 8 against the same bytes in a raw file, with the same
/// buffer size. Each layer of a chain holds a different share of the data (whole blocks, and sector runs).
/// Files are hot in the page cache: this measures VhdKit's overhead, not the disk.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
[MemoryDiagnoser]
public class ChainIoBenchmarks
{
    private const long Capacity = 256L * 1024 * 1024;
    private const int BufferSize = 1024 * 1024;
    private const int RandomReads = 4096;

    private readonly byte[] _buffer = new byte[BufferSize];
    private string _folder = string.Empty;
    private string _raw = string.Empty;
    private string _leaf = string.Empty;
    private long[] _randomOffsets = [];
    private VirtualDisk? _disk;
    private SafeFileHandle? _rawHandle;

    [Params(1, 3, 8)]
    public int Depth { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "vhdkit-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var random = new Random(1);
        var model = new byte[Capacity];
        string parent = Path.Combine(_folder, "l0.vhd");
        CreateOperation.Run(CreateRequest.Dynamic(parent, Capacity));
        for (int layer = 0; layer < Depth; layer++)
        {
            string path = layer == 0 ? parent : Path.Combine(_folder, $"l{layer}.vhd");
            if (layer > 0)
            {
                CreateOperation.Run(CreateRequest.Differencing(path, parent));
            }

            using (VirtualDisk disk = VirtualDisk.Open(path))
            {
                // The base gets everything; each child rewrites a share: whole blocks and sector runs.
                long step = layer == 0 ? BufferSize : 3 * 1024 * 1024;
                var chunk = new byte[layer == 0 ? BufferSize : 64 * 1024 + 1536];
                for (long offset = layer * 4096L; offset + chunk.Length <= Capacity; offset += step)
                {
                    random.NextBytes(chunk);
                    disk.Write(chunk, offset);
                    chunk.CopyTo(model, offset);
                }
            }

            parent = path;
        }

        _leaf = parent;
        _raw = Path.Combine(_folder, "model.raw");
        File.WriteAllBytes(_raw, model);
        _randomOffsets = [.. Enumerable.Range(0, RandomReads).Select(_ => random.NextInt64(0, Capacity / 4096) * 4096)];
        _disk = VirtualDisk.Open(_leaf, new VirtualDiskOptions { ReadOnly = true });
        _rawHandle = File.OpenHandle(_raw);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _disk?.Dispose();
        _rawHandle?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "raw sequential read")]
    public long RawSequentialRead()
    {
        long total = 0;
        for (long offset = 0; offset < Capacity; offset += BufferSize)
        {
            total += RandomAccess.Read(_rawHandle!, _buffer, offset);
        }

        return total;
    }

    [Benchmark(Description = "chain sequential read")]
    public long ChainSequentialRead()
    {
        long total = 0;
        for (long offset = 0; offset < Capacity; offset += BufferSize)
        {
            total += _disk!.Read(_buffer, offset);
        }

        return total;
    }

    [Benchmark(Description = "raw random 4 KiB reads")]
    public long RawRandomRead()
    {
        long total = 0;
        foreach (long offset in _randomOffsets)
        {
            total += RandomAccess.Read(_rawHandle!, _buffer.AsSpan(0, 4096), offset);
        }

        return total;
    }

    [Benchmark(Description = "chain random 4 KiB reads")]
    public long ChainRandomRead()
    {
        long total = 0;
        foreach (long offset in _randomOffsets)
        {
            total += _disk!.Read(_buffer.AsSpan(0, 4096), offset);
        }

        return total;
    }

    [Benchmark(Description = "raw sequential write (64 MiB, then fsync)")]
    public void RawSequentialWrite()
    {
        string path = Path.Combine(_folder, "w.raw");
        using (SafeFileHandle handle = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite))
        {
            for (long offset = 0; offset < 64L * 1024 * 1024; offset += BufferSize)
            {
                RandomAccess.Write(handle, _buffer, offset);
            }

            RandomAccess.FlushToDisk(handle);
        }

        File.Delete(path);
    }

    [Benchmark(Description = "new child sequential write (64 MiB, then flush)")]
    public void ChildSequentialWrite()
    {
        string path = Path.Combine(_folder, "w.vhd");
        CreateOperation.Run(CreateRequest.Differencing(path, _leaf));
        using (VirtualDisk disk = VirtualDisk.Open(path))
        {
            for (long offset = 0; offset < 64L * 1024 * 1024; offset += BufferSize)
            {
                disk.Write(_buffer, offset);
            }

            disk.Flush();
        }

        File.Delete(path);
    }
}
