using VhdKit.Storage;
using VhdKit.Tests.Reliability;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Storage;

/// <summary>Reads of consecutive ranges into several buffers (preadv on files): each part in order, short only at the end.</summary>
public class VectoredReadTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Storages => ["file", "memory", "plain wrapper"];

    [Theory]
    [MemberData(nameof(Storages))]
    public void Each_part_is_filled_in_order_and_the_read_stops_at_the_end(string kind)
    {
        var content = new byte[10_000];
        new Random(8).NextBytes(content);
        using IPositionalStorage storage = Open(kind, content);

        var a = new byte[100];
        byte[] b = [];
        var c = new byte[4096];
        var d = new byte[300];
        Assert.Equal(100 + 4096 + 300, storage.ReadVector(a, b, c, d, 1000));
        Assert.Equal(content.AsSpan(1000, 100).ToArray(), a);
        Assert.Equal(content.AsSpan(1100, 4096).ToArray(), c);
        Assert.Equal(content.AsSpan(5196, 300).ToArray(), d);

        // Past the end: the parts before it are filled, the count says where the file ended.
        var tail = new byte[1000];
        Assert.Equal(200 + 500, storage.ReadVector(a.AsSpan(0, 100), a.AsSpan(0, 100), tail, d, 9300));
        Assert.Equal(content.AsSpan(9500, 500).ToArray(), tail.AsSpan(0, 500).ToArray());
        Assert.Equal(0, storage.ReadVector(a, b, c, d, 10_000));
    }

    private IPositionalStorage Open(string kind, byte[] content)
    {
        if (kind == "memory")
        {
            return new MemoryStorage(content);
        }

        string path = _folder.File("f.bin");
        File.WriteAllBytes(path, content);
        FileStorage file = FileStorage.Open(path);

        // A storage that does not read vectored (the fault-injecting wrappers of the tests): one read per part.
        return kind == "file" ? file : new RecordingStorage(file);
    }
}
