using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

// The VHDX half of ResizeOperation: the checks (size, type, children, data past a new end), then VhdxResize's ordered writes.
public static partial class ResizeOperation
{
    /// <summary>
    /// Resizes the fixed or dynamic VHDX at <paramref name="fullPath"/>, held alone from the first check to the last
    /// write. The new size is a multiple of the logical sector size up to 64 TiB; shrinking is refused when a byte
    /// the disk stores past the new end is not zero; a differencing VHDX (its size is its parent's) and a VHDX with
    /// children beside it are refused.
    /// </summary>
    internal static ResizeResult ResizeVhdx(string fullPath, long newSize, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        FileStorage storage;
        try
        {
            storage = FileStorage.Open(fullPath, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (ImageInUseException.IsSharingViolation(e))
        {
            throw new ImageInUseException(fullPath, e);
        }

        using (storage)
        {
            long sizeBefore;
            long fileBefore = storage.Length;
            using (VhdxImage image = VhdxImage.Open(storage))
            {
                if (image.DiskType == VhdDiskType.Differencing)
                {
                    throw new WrongImageTypeException(fullPath, image.DiskType, "resizing",
                        "a fixed or dynamic VHDX (a differencing VHDX's size is its parent's: VhdKit opens a chain only when every layer has the leaf's size)");
                }

                CreateOperation.CheckVhdxSize(newSize, (uint)image.LogicalSectorSize);
                VhdxResize.GeometryFor(image, newSize);
                if (ChildrenBeside.FindVhdx(fullPath, image.DataWriteGuid, []) is [string child, ..])
                {
                    throw new InvalidOperationException($"{child} is a child of {fullPath}; a child's size must equal its parent's, so the parent cannot be resized. Merge or delete the child first.");
                }

                sizeBefore = image.Capacity;
                if (newSize < sizeBefore && VhdxResize.FirstDataPast(image, newSize, cancellationToken) is var data and >= 0)
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"{fullPath} holds data at byte {data} (not zero), past the new size {newSize}; it cannot shrink without losing it. Move the data (shrink the partitions inside) first."));
                }
            }

            progress?.Report(new OperationProgress(0, 1));

            // The one safe point: every check is done and nothing is written yet. Past it VhdxResize's ordered
            // writes run to the end, so a cancellation never leaves a half-resized image.
            cancellationToken.ThrowIfCancellationRequested();
            VhdxResize.Run(storage, newSize);
            progress?.Report(new OperationProgress(1, 1));
            return new ResizeResult(fullPath, sizeBefore, newSize, fileBefore, storage.Length,
                sizeBefore == newSize ? [$"{fullPath} is already {newSize} bytes; nothing was changed."] : ImmutableArray<string>.Empty);
        }
    }
}
