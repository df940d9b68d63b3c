using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Tests.Support;

/// <summary>The whole guest-visible content of an image (through its chain), for comparison with a model.</summary>
public static class DiskBytes
{
    public static byte[] Of(string path)
    {
        using VirtualDisk disk = VirtualDisk.Open(path, new VirtualDiskOptions { ReadOnly = true });
        var content = new byte[disk.Capacity];
        disk.Read(content, 0);
        return content;
    }

    /// <summary>The content of one image held in memory (a crash state, a flushed epoch), read through VhdKit.</summary>
    public static byte[] OfImage(byte[] file)
    {
        using VirtualDisk disk = VirtualDisk.Open([VhdImage.Open(new MemoryStorage(file, "read", canWrite: false))]);
        var content = new byte[disk.Capacity];
        Assert.Equal(disk.Capacity, disk.Read(content, 0));
        return content;
    }

    /// <summary><paramref name="length"/> random bytes, the same for the same <paramref name="seed"/>.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
