using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Converts an image into a new standalone one (qemu-img convert, Hyper-V's Convert-VHD): a VHD chain is flattened,
/// a raw file is imported; the output is raw, a fixed VHD or a dynamic VHD. Only the ranges the source holds are
/// read (a chain's allocated runs; a raw file's data, its holes skipped through SEEK_DATA/SEEK_HOLE where the file
/// system answers), and chunks that read as zeros are not written, so the output stays sparse (a dynamic output
/// leaves their blocks unallocated). The source is only read.
/// </summary>
/// <remarks>
/// Crash-safe: the output is written under a temporary name in the target folder, flushed once (checked: a failed
/// fsync fails the conversion), then moved into place without replacing anything and the folder flushed; a failed or
/// cancelled conversion leaves nothing. With <see cref="SyncMode.None"/> (<see cref="ConvertRequest.Sync"/>) nothing
/// is flushed. Cancellation is honoured before every chunk.
/// </remarks>
public static class ConvertOperation
{
    /// <summary>Converts <see cref="ConvertRequest.Source"/> into a new file at <see cref="ConvertRequest.Target"/>.</summary>
    /// <param name="request">What to convert.</param>
    /// <param name="progress">Receives bytes done of the bytes the source holds.</param>
    /// <param name="cancellationToken">Cancels the conversion (nothing is left behind).</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or one of its paths is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The source format named is one VhdKit does not read, or a raw source's size cannot be a VHD's.</exception>
    /// <exception cref="UnsupportedImageFormatException">The source is a VHDX, qcow2, VMDK or VDI image.</exception>
    /// <exception cref="VhdFormatException">A VHD source is not valid.</exception>
    /// <exception cref="ParentResolutionException">A VHD source's parent cannot be found.</exception>
    /// <exception cref="FileNotFoundException">The source does not exist.</exception>
    /// <exception cref="ImageAlreadyExistsException">Something exists at the target path.</exception>
    /// <exception cref="IOException">Reading or writing failed (the target disk is full, ...).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static ConvertResult Run(ConvertRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(request, static storage => storage, progress, cancellationToken);

    /// <summary>The same conversion as <see cref="Run(ConvertRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(ConvertRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<ConvertResult> RunAsync(ConvertRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);

    /// <summary>As the public overload; <paramref name="wrapTemporary"/> wraps the temporary file's storage (tests inject faults).</summary>
    internal static ConvertResult Run(ConvertRequest request, Func<IPositionalStorage, IPositionalStorage> wrapTemporary,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Source);
        ArgumentNullException.ThrowIfNull(request.Target);
        using ConvertSource source = ConvertSource.Open(Path.GetFullPath(request.Source), request.SourceFormat);
        return Run(source, request.Target, request.TargetFormat, request.Sync, wrapTemporary, progress, cancellationToken);
    }

    /// <summary>
    /// Converts an open <paramref name="source"/> (a local file, or another assembly's source such as VhdKit.Azure's
    /// page blob) into a new file at <paramref name="targetPath"/>, the same way: temporary file, checked flush, move into place.
    /// </summary>
    internal static ConvertResult Run(ConvertSource source, string targetPath, ConvertFormat targetFormat, SyncMode sync,
        Func<IPositionalStorage, IPositionalStorage> wrapTemporary, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        string target = Path.GetFullPath(targetPath);
        if (targetFormat != ConvertFormat.Raw)
        {
            ThrowIfNoVhdSize(source);
        }

        NewFile.ThrowIfExists(target);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        FileStorage file = NewFile.CreateTemporary(target, NewFile.ModeOf(source.Path), out string temporary); // as cp: the source's mode, narrowed by the umask
        (long read, long written) counts;
        try
        {
            using (file)
            {
                // The temporary file is seen by no one until it is moved into place, so the copy's own flushes (a
                // dynamic image's allocation order) wait: one fsync for the file, just before the move.
                IPositionalStorage storage = wrapTemporary(file);
                FileStorage? direct = ReferenceEquals(storage, file) ? file : null; // a wrapped file (tests) sees every write
                counts = Copy(source, new DeferredFlushStorage(storage), direct, targetFormat, progress, cancellationToken);
                if (sync == SyncMode.Durable)
                {
                    storage.Flush();
                }
            }

            NewFile.MoveIntoPlace(temporary, target, sync);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return new ConvertResult(source.Path, source.Format, target, targetFormat, source.Capacity, counts.read, counts.written,
            new FileInfo(target).Length, source.Warnings);
    }

    /// <summary>A raw source's size must be one a VHD can have (a VHD source's always is).</summary>
    private static void ThrowIfNoVhdSize(ConvertSource source)
    {
        long size = source.Capacity;
        if (!DiskSizeRule.Allows(size))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{source.Path} is {size} bytes and cannot be a VHD: {DiskSizeRule.Message(size, "a VHD's size")} Convert to raw, or resize the source first."));
        }
    }

    /// <summary>
    /// Copies the source's runs into the new file. Into raw or fixed output, whose bytes lie at the disk's offsets,
    /// the kernel copies the runs a file holds as they are (<paramref name="direct"/>: the new file, when unwrapped),
    /// as <c>cp</c> does; the rest (a dynamic target, a source the kernel cannot copy from) goes through the buffer,
    /// all-zero chunks left unwritten.
    /// </summary>
    private static (long Read, long Written) Copy(ConvertSource source, DeferredFlushStorage storage, FileStorage? direct, ConvertFormat format,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        VhdImage? image = null;
        switch (format)
        {
            case ConvertFormat.Raw:
                storage.SetLength(source.Capacity);
                break;
            case ConvertFormat.Fixed:
                CreateOperation.Create(storage, CreateRequest.Fixed(storage.Name, source.Capacity));
                image = VhdImage.Open(storage, leaveOpen: true);
                break;
            case ConvertFormat.Dynamic:
                CreateOperation.Create(storage, CreateRequest.Dynamic(storage.Name, source.Capacity, source.PreferredBlockSize));
                image = VhdImage.Open(storage, leaveOpen: true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Raw, Fixed or Dynamic.");
        }

        using (image)
        {
            long written = 0;
            ImmutableArray<DiskExtent> extents = source.Extents();
            ChunkCopier? copy = direct is null || image is { DiskType: not VhdDiskType.Fixed } ? null : (offset, count) =>
            {
                int done = (int)source.CopyTo(direct, offset, count, out long copied);
                written += copied;
                return done;
            };
            long read = CopyEngine.Copy(extents, source.Read, (chunk, offset) =>
            {
                if (chunk.IndexOfAnyExcept((byte)0) < 0)
                {
                    return; // zeros: the new file reads them already (sparse, or an unallocated block)
                }

                if (image is null || image.DiskType == VhdDiskType.Fixed)
                {
                    storage.Write(chunk, offset);
                }
                else
                {
                    image.WriteSectors(chunk, offset);
                }

                written += chunk.Length;
            }, progress, cancellationToken, copy: copy);
            image?.Flush(); // its metadata written (the storage defers the fsyncs to the caller)
            return (read, written);
        }
    }
}
