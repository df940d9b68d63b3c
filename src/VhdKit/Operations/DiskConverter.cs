using System.Buffers;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Flattens a disk (a whole chain) into a new standalone image: raw, fixed or dynamic. Only the ranges some
/// layer holds are read, and chunks that read as zeros are not written, so the output stays sparse (a dynamic
/// output leaves their blocks unallocated). The source is only read. The output is written under a temporary
/// name in the target folder, flushed (checked), then moved into place and the folder flushed; a failed or
/// cancelled conversion (a failed flush included) leaves nothing.
/// </summary>
public static class DiskConverter
{
    private const int Chunk = 1024 * 1024;

    /// <summary>Converts <paramref name="source"/> into a new file at <paramref name="targetPath"/>.</summary>
    /// <param name="source">The disk to flatten.</param>
    /// <param name="targetPath">The new file.</param>
    /// <param name="format">Raw, fixed or dynamic.</param>
    /// <param name="progress">Receives bytes done of the bytes the chain holds.</param>
    /// <param name="cancellationToken">Cancels the conversion (nothing is left behind).</param>
    /// <exception cref="ImageAlreadyExistsException">Something exists at <paramref name="targetPath"/>.</exception>
    /// <exception cref="IOException">Reading or writing failed (the target disk is full, ...).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static void Convert(VirtualDisk source, string targetPath, ConvertFormat format,
        IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Convert(source, targetPath, format, static storage => storage, progress, cancellationToken);

    /// <summary>As the public overload; <paramref name="wrapTemporary"/> wraps the temporary file's storage (tests inject faults).</summary>
    internal static void Convert(VirtualDisk source, string targetPath, ConvertFormat format, Func<IPositionalStorage, IPositionalStorage> wrapTemporary,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targetPath);
        string fullPath = Path.GetFullPath(targetPath);
        NewFile.ThrowIfExists(fullPath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        FileStorage file = NewFile.CreateTemporary(fullPath, SourceMode(source), out string temporary);
        try
        {
            using (file)
            {
                Copy(source, wrapTemporary(file), format, progress, cancellationToken);
            }

            NewFile.MoveIntoPlace(temporary, fullPath);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// The new file's mode, as cp gives it: the source leaf's mode, narrowed by the umask (a private image gives a
    /// private copy); <see langword="null"/> (the umask's mode) when the source is no file or on Windows.
    /// </summary>
    private static UnixFileMode? SourceMode(VirtualDisk source)
    {
        string leaf = source.Layers[0].Path;
        return OperatingSystem.IsWindows() || !File.Exists(leaf) ? null : File.GetUnixFileMode(leaf);
    }

    private static void Copy(VirtualDisk source, IPositionalStorage storage, ConvertFormat format,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        VhdImage? image = null;
        switch (format)
        {
            case ConvertFormat.Raw:
                storage.SetLength(source.Capacity);
                break;
            case ConvertFormat.Fixed:
                VhdCreator.Create(storage, VhdCreateOptions.Fixed(source.Capacity));
                image = VhdImage.Open(storage, leaveOpen: true);
                break;
            case ConvertFormat.Dynamic:
                int blockSize = source.Layers[0].BlockSize is VhdConstants.MinimumCreatedBlockSize ? VhdConstants.MinimumCreatedBlockSize : VhdConstants.DefaultBlockSize;
                VhdCreator.Create(storage, VhdCreateOptions.Dynamic(source.Capacity, blockSize));
                image = VhdImage.Open(storage, leaveOpen: true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Raw, Fixed or Dynamic.");
        }

        using (image)
        {
            var extents = source.GetAllocatedRanges();
            long total = extents.Sum(e => e.Length);
            long done = 0;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(Chunk);
            try
            {
                foreach (DiskExtent extent in extents)
                {
                    long offset = extent.Offset;
                    long end = extent.Offset + extent.Length;
                    while (offset < end)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        int count = (int)Math.Min(end - offset, Chunk - (offset % Chunk));
                        Span<byte> chunk = buffer.AsSpan(0, count);
                        source.Read(chunk, offset);
                        if (chunk.IndexOfAnyExcept((byte)0) >= 0)
                        {
                            if (image is null || image.DiskType == VhdDiskType.Fixed)
                            {
                                storage.Write(chunk, offset);
                            }
                            else
                            {
                                image.WriteSectors(chunk, offset);
                            }
                        }

                        offset += count;
                        done += count;
                        progress?.Report(new OperationProgress(done, total));
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            image?.Flush();
            storage.Flush();
            progress?.Report(new OperationProgress(total, total));
        }
    }
}
