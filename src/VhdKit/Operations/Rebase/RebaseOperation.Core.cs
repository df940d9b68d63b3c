using System.Collections.Immutable;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The internal half of RebaseOperation: the work itself, with the seams tests and the automation API use.
public static partial class RebaseOperation
{
    /// <summary>
    /// The rebase or re-stamp <see cref="RebaseOperation"/> runs: checks, then (unless cancelled by then) the
    /// relinker's crash-safe rewrite.
    /// </summary>
    internal static RebaseResult Rebase(RebaseRequest request, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Child);
        // A URL goes the VHD way, whose opening refuses to write remote storage.
        if (!StorageLocations.IsUrl(request.Child) && ImageFormatProbe.HoldsVhdx(request.Child))
        {
            string path = Path.GetFullPath(request.Child);
            using FileStorage storage = OpenExclusive(path);
            return RebaseVhdx(storage, path, request.Parent, request.IgnoreIdMismatch, progress, cancellationToken);
        }

        string childPath = request.Child;
        string parentPath = request.Parent ?? ResolvedParent(childPath);
        string child = Path.GetFullPath(childPath);
        string parent = Path.GetFullPath(parentPath);

        // The child is held for writing (exclusively) from the first read to the last write: a concurrent writer
        // is refused, or refuses this; its writes are never undone.
        using VhdImage image = VhdImage.Open(child, new VhdOpenOptions { Writable = true });
        if (image.DiskType != VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(child, image.DiskType, "setting a parent");
        }

        Guid expected = image.Header!.Value.ParentUniqueId;
        Guid found;
        long parentCapacity;
        using (VhdChain parentChain = VhdChain.Open(parent))
        {
            found = parentChain.Leaf.UniqueId;
            parentCapacity = parentChain.Leaf.Capacity;
        }

        if (parentCapacity != image.Capacity)
        {
            throw new ArgumentException($"{parent} is {parentCapacity} bytes but {child} is {image.Capacity} bytes; a parent must be the size of its child.", nameof(request));
        }

        var warnings = ImmutableArray.CreateBuilder<string>();
        if (found != expected)
        {
            if (!request.IgnoreIdMismatch)
            {
                throw new ParentResolutionException(
                    $"{parent} has unique id {found}; {child} was created from a parent with id {expected}. If it really holds the same content, accept it with --ignore-id-mismatch.",
                    child, ParentResolutionFailure.IdMismatch, [], expected, found);
            }

            warnings.Add($"{child} named parent id {expected}; it now names {found} ({parent}), as asked. Its content is right only if {parent} holds what the old parent held.");
        }

        if (Path.GetFileName(parent).Length > DynamicHeader.MaxParentNameLength)
        {
            throw new ArgumentException($"The parent's file name is longer than {DynamicHeader.MaxParentNameLength} characters (the header's parent name field).", nameof(request));
        }

        progress?.Report(new OperationProgress(0, 1));

        // The one safe point: every check is done and nothing is written yet; the relinker's ordered writes then run
        // to the end, so a cancellation never leaves half-written links.
        cancellationToken.ThrowIfCancellationRequested();
        ChildRelinker.Relink(image, child, parent, found);
        progress?.Report(new OperationProgress(1, 1));
        return new RebaseResult(child, parent, found, request.IsRestamp, warnings.ToImmutable());
    }

    /// <summary>Opens <paramref name="path"/> for writing, exclusively (a concurrent writer or reader as a parent is refused).</summary>
    private static FileStorage OpenExclusive(string path)
    {
        try
        {
            return FileStorage.Open(path, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (ImageInUseException.IsSharingViolation(e))
        {
            throw new ImageInUseException(path, e);
        }
    }

    /// <summary>The parent <paramref name="childPath"/> resolves to today (a re-stamp keeps it).</summary>
    private static string ResolvedParent(string childPath)
    {
        using VhdChain chain = VhdChain.Open(childPath);
        if (chain.Leaf.DiskType != VhdDiskType.Differencing)
        {
            throw new WrongImageTypeException(Path.GetFullPath(childPath), chain.Leaf.DiskType, "re-stamping");
        }

        return Path.GetFullPath(chain.Links[1].Image.Path);
    }
}
