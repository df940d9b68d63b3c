using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Chain;

/// <summary>
/// A VHDX differencing chain, leaf first, down to a fixed or dynamic base (a fixed or dynamic VHDX alone is a chain
/// of one). Parents are opened read-only; the leaf read-only or writable.
/// </summary>
public sealed class VhdxChain : IDisposable
{
    private VhdxChain(ImmutableArray<VhdxImage> images, ImmutableArray<ImmutableArray<ParentCandidate>> attempts, ImmutableArray<string> warnings)
    {
        Images = images;
        ParentAttempts = attempts;
        Warnings = warnings;
    }

    /// <summary>A chain of one fixed or dynamic image (taking ownership of it).</summary>
    /// <exception cref="ArgumentException">The image is a differencing disk (its parents are needed).</exception>
    internal static VhdxChain Of(VhdxImage image) => image.DiskType != VhdDiskType.Differencing
        ? new VhdxChain([image], [], [.. image.Warnings])
        : throw new ArgumentException($"{image.Path} is a differencing disk: open its chain.", nameof(image));

    /// <summary>The images, leaf first.</summary>
    public ImmutableArray<VhdxImage> Images { get; }

    /// <summary>For each image but the base, the parent candidates tried (the accepted one last).</summary>
    public ImmutableArray<ImmutableArray<ParentCandidate>> ParentAttempts { get; }

    /// <summary>The leaf image.</summary>
    public VhdxImage Leaf => Images[0];

    /// <summary>The base image.</summary>
    public VhdxImage Base => Images[^1];

    /// <summary>Everything tolerated while opening the chain (each image's warnings, size differences).</summary>
    public ImmutableArray<string> Warnings { get; }

    /// <summary>Opens the VHDX at <paramref name="path"/> and resolves its parents through their parent locators.</summary>
    /// <param name="path">The leaf.</param>
    /// <param name="maxDepth">The most images the chain may hold.</param>
    /// <exception cref="Format.Vhdx.VhdxFormatException">An image of the chain is not a valid VHDX, or a parent has another logical sector size than its child.</exception>
    /// <exception cref="ParentResolutionException">A parent cannot be found, is a VHD, has the wrong DataWriteGuid, or the chain loops or is too deep.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static VhdxChain Open(string path, int maxDepth = VhdOpenOptions.DefaultMaxChainDepth) => Open(path, maxDepth, writableLeaf: false);

    /// <summary>Opens the VHDX chain whose leaf is <paramref name="path"/>, the leaf writable when <paramref name="writableLeaf"/> (its pending log replayed into it first); parents read-only.</summary>
    /// <param name="path">The leaf.</param>
    /// <param name="maxDepth">The most images the chain may hold.</param>
    /// <param name="writableLeaf">Whether the leaf is opened for writing (alone).</param>
    /// <exception cref="Format.Vhdx.VhdxFormatException">An image of the chain is not a valid VHDX, or a parent has another logical sector size than its child.</exception>
    /// <exception cref="ImageInUseException">The leaf is to be written and is open elsewhere.</exception>
    /// <exception cref="ParentResolutionException">A parent cannot be found, is a VHD, has the wrong DataWriteGuid, or the chain loops or is too deep.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static VhdxChain Open(string path, int maxDepth, bool writableLeaf)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Open(writableLeaf ? VhdxImage.OpenWritable(path) : VhdxImage.Open(path), maxDepth);
    }

    /// <summary>The chain of an image already open (the chain owns it from here, and disposes it if a parent fails).</summary>
    /// <exception cref="ParentResolutionException">A parent cannot be found, is a VHD, has the wrong DataWriteGuid, or the chain loops or is too deep.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    internal static VhdxChain Open(VhdxImage leaf, int maxDepth)
    {
        var images = ImmutableArray.CreateBuilder<VhdxImage>();
        var attempts = ImmutableArray.CreateBuilder<ImmutableArray<ParentCandidate>>();
        var warnings = ImmutableArray.CreateBuilder<string>();
        try
        {
            images.Add(leaf);
            var seen = new HashSet<string>(StringComparer.Ordinal) { StorageLocations.FullPath(leaf.Path) };
            while (images[^1].DiskType == VhdDiskType.Differencing)
            {
                VhdxImage child = images[^1];
                if (images.Count >= maxDepth)
                {
                    throw new ParentResolutionException(string.Create(CultureInfo.InvariantCulture,
                        $"The chain of {images[0].Path} is deeper than {maxDepth} images (the configured limit); stopped at {child.Path}."),
                        child.Path, ParentResolutionFailure.TooDeep, [], Guid.Empty);
                }

                VhdxParentResolver.Result result = VhdxParentResolver.Resolve(child);
                attempts.Add(result.Attempts);
                if (result.Parent is not { } parent)
                {
                    throw NotResolved(child, result);
                }

                if (!seen.Add(Path.GetFullPath(parent.Path)))
                {
                    parent.Dispose();
                    throw new ParentResolutionException($"The chain of {images[0].Path} loops back to {parent.Path}.",
                        child.Path, ParentResolutionFailure.Cycle, result.Attempts, result.Expected);
                }

                images.Add(parent);
                if (parent.LogicalSectorSize != child.LogicalSectorSize)
                {
                    throw new Format.Vhdx.VhdxFormatException(SectorSizeMismatch(child, parent));
                }

                if (result.Accepted is { Detail.Length: > 0 } accepted)
                {
                    warnings.Add($"{child.Path}: its parent {parent.Path}: {accepted.Detail}.");
                }

                if (parent.Capacity != child.Capacity)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{child.Path} is {child.Capacity} bytes but its parent {parent.Path} is {parent.Capacity} bytes."));
                }
            }

            foreach (VhdxImage image in images)
            {
                foreach (string warning in image.Warnings)
                {
                    warnings.Add($"{image.Path}: {warning}");
                }
            }

            return new VhdxChain(images.ToImmutable(), attempts.ToImmutable(), warnings.ToImmutable());
        }
        catch
        {
            foreach (VhdxImage image in images)
            {
                image.Dispose();
            }

            throw;
        }
    }

    /// <summary>Why a child over a parent of another logical sector size is refused (its sector bitmap counts its own sectors; Hyper-V refuses such a chain).</summary>
    internal static string SectorSizeMismatch(VhdxImage child, VhdxImage parent) => string.Create(CultureInfo.InvariantCulture,
        $"{child.Path} has {child.LogicalSectorSize}-byte logical sectors but its parent {parent.Path} has {parent.LogicalSectorSize}-byte ones; expected the same logical sector size in every layer of a VHDX chain (Hyper-V refuses such a chain, and so does VhdKit).");

    private static ParentResolutionException NotResolved(VhdxImage child, VhdxParentResolver.Result result)
    {
        string tried = result.Attempts.IsEmpty ? "no relative_path, absolute_win32_path or volume_path to try" : "tried " + string.Join("; ", result.Attempts);
        if (result.Attempts.FirstOrDefault(a => a.Outcome == CandidateOutcome.IdMismatch) is { FoundId: { } found } mismatch)
        {
            return new ParentResolutionException(
                $"The parent of {child.Path} has changed or is another disk: the child's parent_linkage is {result.Expected}, the DataWriteGuid of {mismatch.Path} is {found} ({tried}).",
                child.Path, ParentResolutionFailure.IdMismatch, result.Attempts, result.Expected, found);
        }

        return new ParentResolutionException($"Cannot find the VHDX parent of {child.Path} (parent_linkage {result.Expected}): {tried}.",
            child.Path, ParentResolutionFailure.NotFound, result.Attempts, result.Expected);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (VhdxImage image in Images)
        {
            image.Dispose();
        }
    }
}
