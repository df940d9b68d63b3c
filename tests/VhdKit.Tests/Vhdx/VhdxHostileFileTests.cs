using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;
using VhdKit.Tests.Support;

namespace VhdKit.Tests.Vhdx;

/// <summary>A hostile or damaged VHDX never crashes, hangs or allocates without bound: it opens and reads, or is refused with a format error.</summary>
public class VhdxHostileFileTests : IDisposable
{
    private const int MiB = 1 << 20;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private byte[] Child()
    {
        string parent = _folder.File("p.vhdx");
        string child = _folder.File("c.vhdx");
        VhdxTestFiles.Create(parent, VhdDiskType.Dynamic, 8L * MiB, MiB);
        VhdxTestFiles.Create(child, VhdDiskType.Differencing, parent: parent, blockSize: MiB);
        VhdxTestFiles.WriteChild(child, 4096, VhdxTestFiles.Pattern(8192, 1));
        return File.ReadAllBytes(child);
    }

    [Fact]
    public void A_vhdx_cut_short_anywhere_is_refused_with_a_format_error()
    {
        byte[] file = Child();
        foreach (int length in (int[])[100, 600, 70_000, 200_000, 300_000, MiB + 5, (2 * MiB) + 100, 3 * MiB, (3 * MiB) + 4096, file.Length - 4096])
        {
            using var storage = new MemoryStorage(file.AsSpan(0, length), "cut.vhdx", canWrite: false);
            try
            {
                using VhdxImage image = VhdxImage.Open(storage);
                var content = new byte[image.Capacity];
                image.ReadOwn(content, 0);
            }
            catch (VhdFormatException)
            {
                // refused, or a read past the end named: both fine
            }
        }
    }

    [Fact]
    public void A_thousand_single_byte_mutations_of_the_metadata_open_or_are_refused_never_crash()
    {
        byte[] original = Child();
        var random = new Random(14);
        int opened = 0;
        int refused = 0;
        for (int round = 0; round < 1000; round++)
        {
            byte[] file = (byte[])original.Clone();
            // The structures: header section, metadata region (2 MiB), BAT (3 MiB) and the sector bitmap block.
            int region = random.Next(4);
            int at = region switch
            {
                0 => random.Next(0, 300 * 1024),
                1 => (2 * MiB) + random.Next(0, 70 * 1024),
                2 => (3 * MiB) + random.Next(0, 64),
                _ => (4 * MiB) + random.Next(0, 64),
            };
            file[at] ^= (byte)(1 << random.Next(8));
            if (random.Next(4) == 0)
            {
                file[at] = (byte)random.Next(256);
            }

            using var storage = new MemoryStorage(file, "m.vhdx", canWrite: false);
            try
            {
                using VhdxImage image = VhdxImage.Open(storage);
                var content = new byte[Math.Min(image.Capacity, 16L * MiB)];
                image.ReadOwn(content, 0);
                opened++;
            }
            catch (VhdFormatException)
            {
                refused++;
            }
        }

        Assert.True(opened > 0 && refused > 0, $"{opened} opened, {refused} refused");
    }
}
