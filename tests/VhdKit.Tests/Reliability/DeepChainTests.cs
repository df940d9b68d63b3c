using System.Text;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Operations;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Reliability;

/// <summary>
/// Absurd chains: 10,000 deep (built cheaply by relinking copies of one small child, since creating a child opens
/// its parent's whole chain) is refused by the depth limit; cycles are refused as cycles.
/// </summary>
public class DeepChainTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_chain_10000_deep_is_refused_by_the_depth_limit()
    {
        const int Depth = 10_000;
        ImageFiles.Dynamic(_folder.File(Name(0)), 3 * ImageFiles.MiB, 512 * 1024);
        string first = ImageFiles.Differencing(_folder.File(Name(1)), _folder.File(Name(0)));
        byte[] template = File.ReadAllBytes(first);
        Guid parentId = ImageFiles.ReadFooter(first, template.Length - 512).UniqueId;
        for (int i = 2; i <= Depth; i++)
        {
            Guid id = IdOf(i);
            File.WriteAllBytes(_folder.File(Name(i)), Relinked(template, Name(0), Name(i - 1), parentId, id));
            parentId = id;
        }

        // The limit stops the walk; a deeper limit, for a depth the test can afford, follows all of it.
        var tooDeep = Assert.Throws<ParentResolutionException>(() => VirtualDisk.Open(_folder.File(Name(Depth)), new VirtualDiskOptions { ReadOnly = true }));
        Assert.Equal(ParentResolutionFailure.TooDeep, tooDeep.Failure);
        using VirtualDisk shallow = VirtualDisk.Open(_folder.File(Name(300)), new VirtualDiskOptions { ReadOnly = true, MaxChainDepth = 400 });
        Assert.Equal(301, shallow.Layers.Length);
        Assert.True(CheckOperation.Run(new CheckRequest(_folder.File(Name(Depth)))).IsClean);
    }

    [Fact]
    public void Cycles_are_refused()
    {
        ImageFiles.Dynamic(_folder.File(Name(0)), 3 * ImageFiles.MiB, 512 * 1024);
        string first = ImageFiles.Differencing(_folder.File(Name(1)), _folder.File(Name(0)));
        byte[] template = File.ReadAllBytes(first);

        // a -> b -> a, and c -> c.
        File.WriteAllBytes(_folder.File(Name(2)), Relinked(template, Name(0), Name(3), IdOf(3), IdOf(2)));
        File.WriteAllBytes(_folder.File(Name(3)), Relinked(template, Name(0), Name(2), IdOf(2), IdOf(3)));
        File.WriteAllBytes(_folder.File(Name(4)), Relinked(template, Name(0), Name(4), IdOf(4), IdOf(4)));
        foreach (int leaf in new[] { 2, 4 })
        {
            var loop = Assert.Throws<ParentResolutionException>(() => VirtualDisk.Open(_folder.File(Name(leaf)), new VirtualDiskOptions { ReadOnly = true }));
            Assert.Equal(ParentResolutionFailure.Cycle, loop.Failure);
        }
    }

    private static string Name(int index) => $"c{index:D5}.vhd";

    private static Guid IdOf(int index) => new(index, 0x7e57, 0, [1, 2, 3, 4, 5, 6, 7, 8]);

    /// <summary>A copy of a child image that names <paramref name="parentName"/> (same length as <paramref name="oldParentName"/>) and <paramref name="parentId"/>, with its own <paramref name="id"/>.</summary>
    private static byte[] Relinked(byte[] template, string oldParentName, string parentName, Guid parentId, Guid id)
    {
        byte[] image = (byte[])template.Clone();
        foreach (Encoding encoding in new Encoding[] { Encoding.Unicode, Encoding.BigEndianUnicode, Encoding.UTF8 })
        {
            byte[] from = encoding.GetBytes(oldParentName);
            byte[] to = encoding.GetBytes(parentName);
            for (int at = image.AsSpan().IndexOf(from); at >= 0; at = NextIndex(image, from, at + 1))
            {
                to.CopyTo(image, at);
            }
        }

        VhdFooter footer = VhdFooter.Parse(image.AsSpan(image.Length - 512)) with { UniqueId = id };
        footer.WriteTo(image.AsSpan(image.Length - 512));
        footer.WriteTo(image.AsSpan(0, 512));
        int headerAt = (int)footer.DataOffset;
        DynamicHeader header = DynamicHeader.Parse(image.AsSpan(headerAt, DynamicHeader.Size)) with { ParentUniqueId = parentId };
        header.WriteTo(image.AsSpan(headerAt, DynamicHeader.Size));
        return image;
    }

    private static int NextIndex(byte[] image, byte[] value, int from)
    {
        int found = image.AsSpan(from).IndexOf(value);
        return found < 0 ? -1 : from + found;
    }
}
