using BenchmarkDotNet.Attributes;
using VhdKit.Format;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Benchmarks;

/// <summary>Parsing and writing the fixed-size structures, and creating an image in memory.</summary>
[MemoryDiagnoser]
public class FormatBenchmarks
{
    private readonly byte[] _footer = new byte[VhdFooter.Size];
    private readonly byte[] _header = new byte[DynamicHeader.Size];

    [GlobalSetup]
    public void Setup()
    {
        var storage = new MemoryStorage();
        CreateOperation.Create(storage, CreateRequest.Dynamic(storage.Name, 64L << 20));
        byte[] file = storage.ToArray();
        file.AsSpan(0, VhdFooter.Size).CopyTo(_footer);
        file.AsSpan(VhdFooter.Size, DynamicHeader.Size).CopyTo(_header);
    }

    [Benchmark]
    public VhdFooter ParseFooter() => VhdFooter.Parse(_footer);

    [Benchmark]
    public DynamicHeader ParseHeader() => DynamicHeader.Parse(_header);

    [Benchmark]
    public void WriteFooter() => VhdFooter.Parse(_footer).WriteTo(_footer);

    [Benchmark]
    public DiskGeometry Geometry() => DiskGeometry.FromCapacity(100L << 30);

    [Benchmark]
    public long CreateDynamicInMemory()
    {
        var storage = new MemoryStorage();
        CreateOperation.Create(storage, CreateRequest.Dynamic(storage.Name, 64L << 30));
        return storage.Length;
    }
}
