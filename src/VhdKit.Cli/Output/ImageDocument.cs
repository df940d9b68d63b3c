using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Operations;
using VhdKit.Storage;

namespace VhdKit.Cli.Output;

/// <summary>Everything <c>vhd info</c> knows of one image: qemu-img's keys first, then every footer, header and locator field.</summary>
/// <param name="Depth">Its place in the chain: 0 for the image named, 1 for its parent, ...</param>
/// <param name="Filename">Its absolute path.</param>
/// <param name="Format">Always <c>vpc</c> (qemu-img's name for VHD).</param>
/// <param name="Subformat">fixed, dynamic or differencing.</param>
/// <param name="VirtualSize">The disk's size in bytes (the footer's current size).</param>
/// <param name="ActualSize">The bytes the file takes on its volume; <see langword="null"/> when the platform cannot tell.</param>
/// <param name="FileLength">The file's length in bytes.</param>
/// <param name="DirtyFlag">Whether an interrupted merge into this image left its content partly merged (run the merge again).</param>
/// <param name="ClusterSize">The block size in bytes; <see langword="null"/> for a fixed disk.</param>
/// <param name="BackingFilename">The parent as the image names it (the first of the W2ru, W2ku, MacX locators and the header's parent name that it holds); <see langword="null"/> unless differencing.</param>
/// <param name="FullBackingFilename">The absolute path of the parent found (<c>--chain</c>); <see langword="null"/> when not resolved.</param>
/// <param name="BackingFilenameFormat"><c>vpc</c> for a differencing disk; <see langword="null"/> otherwise.</param>
/// <param name="UniqueId">The footer's unique id.</param>
/// <param name="Footer">The footer.</param>
/// <param name="DynamicHeader">The dynamic header; <see langword="null"/> for a fixed disk.</param>
/// <param name="ParentLocators">The used parent locator entries.</param>
/// <param name="Link">How this image was found as its child's parent; <see langword="null"/> for the image named.</param>
internal sealed record ImageDocument(
    int Depth,
    string Filename,
    FormatName Format,
    VhdDiskType Subformat,
    long VirtualSize,
    long? ActualSize,
    long FileLength,
    bool DirtyFlag,
    long? ClusterSize,
    string? BackingFilename,
    string? FullBackingFilename,
    FormatName? BackingFilenameFormat,
    Guid UniqueId,
    FooterDocument Footer,
    DynamicHeaderDocument? DynamicHeader,
    IReadOnlyList<LocatorDocument> ParentLocators,
    LinkDocument? Link)
{
    /// <summary>The locators in the order parents are looked for (REFERENCE §3), then the header's parent name.</summary>
    private static readonly ParentLocatorPlatform[] NamingOrder = [ParentLocatorPlatform.W2ru, ParentLocatorPlatform.W2ku, ParentLocatorPlatform.MacX, ParentLocatorPlatform.Url8];

    /// <param name="image">The image.</param>
    /// <param name="link">Its link in an opened chain, or <see langword="null"/>.</param>
    /// <param name="parentPath">The parent the chain resolved for it, or <see langword="null"/>.</param>
    public static ImageDocument From(VhdImage image, ChainLink? link, string? parentPath)
    {
        string path = StorageLocations.Display(image.Path);
        bool differencing = image.DiskType == VhdDiskType.Differencing;
        return new ImageDocument(
            link?.Depth ?? 0,
            path,
            FormatName.Vpc,
            image.DiskType,
            image.Capacity,
            HostAllocation.Of(path),
            image.FileLength,
            MergeJournal.Read(path) is not null,
            image.Header is { } h ? h.BlockSize : null,
            differencing ? BackingName(image) : null,
            parentPath is null ? null : StorageLocations.Display(parentPath),
            differencing ? FormatName.Vpc : null,
            image.UniqueId,
            FooterDocument.From(image),
            image.Header is { } header ? DynamicHeaderDocument.From(image, header) : null,
            [.. image.Locators.Select(LocatorDocument.From)],
            link is { FoundVia: { } foundVia } ? LinkDocument.From(link, foundVia) : null);
    }

    /// <summary>The parent as <paramref name="image"/> names it, or <see langword="null"/> when it names none.</summary>
    public static string? BackingName(VhdImage image)
    {
        foreach (ParentLocatorPlatform platform in NamingOrder)
        {
            foreach (ParentLocator locator in image.Locators)
            {
                if (locator.Platform == platform && !string.IsNullOrEmpty(locator.Text))
                {
                    return locator.Text;
                }
            }
        }

        return image.Header is { ParentName: { Length: > 0 } name } ? name : null;
    }
}
