using VhdKit.Chain;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd info --output=json</c>: the image named, and with <c>--chain</c> each of its parents.</summary>
/// <param name="Filename">The image named, as an absolute path.</param>
/// <param name="Chain">Whether the parents were resolved (<c>--chain</c>).</param>
/// <param name="Images">The image named (depth 0), then its parents, nearest first (VHD; empty for a VHDX).</param>
internal sealed record InfoDocument(string Filename, bool Chain, IReadOnlyList<ImageDocument> Images) : VerbDocument("info")
{
    /// <summary>The VHDX named and, with --chain, its parents; <see langword="null"/> for a VHD.</summary>
    public IReadOnlyList<VhdxImageDocument>? VhdxImages { get; init; }

    public static InfoDocument FromVhdx(VhdxChain chain, bool resolved)
    {
        var images = new List<VhdxImageDocument>(chain.Images.Length);
        for (int i = 0; i < chain.Images.Length; i++)
        {
            images.Add(VhdxImageDocument.From(chain.Images[i], i, i + 1 < chain.Images.Length ? chain.Images[i + 1].Path : null));
        }

        return new InfoDocument(StorageLocations.Display(chain.Leaf.Path), resolved, []) { VhdxImages = images };
    }

    public static InfoDocument FromVhdx(Images.Vhdx.VhdxImage image) =>
        new(StorageLocations.Display(image.Path), false, []) { VhdxImages = [VhdxImageDocument.From(image, 0, null)] };

    public static InfoDocument FromImage(VhdImage image) =>
        new(StorageLocations.Display(image.Path), false, [ImageDocument.From(image, null, null)]);

    public static InfoDocument FromChain(VhdChain chain)
    {
        var images = new List<ImageDocument>(chain.Links.Length);
        for (int i = 0; i < chain.Links.Length; i++)
        {
            ChainLink link = chain.Links[i];
            string? parent = i + 1 < chain.Links.Length ? chain.Links[i + 1].Image.Path : null;
            images.Add(ImageDocument.From(link.Image, link, parent));
        }

        return new InfoDocument(StorageLocations.Display(chain.Leaf.Path), true, images);
    }
}
