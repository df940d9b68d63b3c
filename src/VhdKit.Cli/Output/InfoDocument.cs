using VhdKit.Chain;
using VhdKit.Images;

namespace VhdKit.Cli.Output;

/// <summary><c>vhd info --output=json</c>: the image named, and with <c>--chain</c> each of its parents.</summary>
/// <param name="Filename">The image named, as an absolute path.</param>
/// <param name="Chain">Whether the parents were resolved (<c>--chain</c>).</param>
/// <param name="Images">The image named (depth 0), then its parents, nearest first.</param>
internal sealed record InfoDocument(string Filename, bool Chain, IReadOnlyList<ImageDocument> Images) : VerbDocument("info")
{
    public static InfoDocument FromImage(VhdImage image) =>
        new(Path.GetFullPath(image.Path), false, [ImageDocument.From(image, null, null)]);

    public static InfoDocument FromChain(VhdChain chain)
    {
        var images = new List<ImageDocument>(chain.Links.Length);
        for (int i = 0; i < chain.Links.Length; i++)
        {
            ChainLink link = chain.Links[i];
            string? parent = i + 1 < chain.Links.Length ? chain.Links[i + 1].Image.Path : null;
            images.Add(ImageDocument.From(link.Image, link, parent));
        }

        return new InfoDocument(Path.GetFullPath(chain.Leaf.Path), true, images);
    }
}
