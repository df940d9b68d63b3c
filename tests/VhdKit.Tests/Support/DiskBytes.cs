using VhdKit.Chain;

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
}
