using System.Collections.Immutable;
using System.Globalization;
using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Formats;
using VhdKit.Images;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Converts an image into a new standalone one (qemu-img convert, Hyper-V's Convert-VHD): a VHD or VHDX chain is
/// flattened, a raw file is imported; the output is raw, a fixed or dynamic VHD, or a fixed or dynamic VHDX. Only the ranges the source holds are
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
    /// <exception cref="ArgumentException">The source format named is one VhdKit does not read, a raw source's size cannot be the target's, or a VHDX option is given for another target.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A VHDX target's block or logical sector size, or the size for it, is not one VHDX allows.</exception>
    /// <exception cref="UnsupportedImageFormatException">The source is a qcow2, VMDK or VDI image.</exception>
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
        bool vhdx = request.TargetFormat is ConvertFormat.VhdxFixed or ConvertFormat.VhdxDynamic;
        if (!vhdx && (request.BlockSize is not null || request.LogicalSectorSize is not null))
        {
            throw new ArgumentException($"A block size or logical sector size is given for a VHDX target; {request.Target} is to be {request.TargetFormat} (VHD or raw).");
        }

        using ConvertSource source = ConvertSource.Open(StorageLocations.FullPath(request.Source), request.SourceFormat);
        return Run(source, request.Target, new Target(request.TargetFormat, request.BlockSize, request.LogicalSectorSize), request.Sync, wrapTemporary, progress, cancellationToken);
    }

    /// <summary>What to write, with a VHDX target's block and logical sector sizes (null: the defaults).</summary>
    internal sealed record Target(ConvertFormat Format, int? BlockSize = null, int? LogicalSectorSize = null);

    /// <summary>
    /// Converts an open <paramref name="source"/> (a local file, or another assembly's source such as VhdKit.Azure's
    /// page blob) into a new file at <paramref name="targetPath"/>, the same way: temporary file, checked flush, move into
    /// place. <paramref name="checkTemporary"/>, when given, reads the flushed and closed temporary file (its path) before
    /// the move and throws to refuse it (it is then deleted).
    /// </summary>
    internal static ConvertResult Run(ConvertSource source, string targetPath, ConvertFormat targetFormat, SyncMode sync,
        Func<IPositionalStorage, IPositionalStorage> wrapTemporary, IProgress<OperationProgress>? progress, CancellationToken cancellationToken,
        Action<string>? checkTemporary = null) =>
        Run(source, targetPath, new Target(targetFormat), sync, wrapTemporary, progress, cancellationToken, checkTemporary);

    private static ConvertResult Run(ConvertSource source, string targetPath, Target targetSpec, SyncMode sync,
        Func<IPositionalStorage, IPositionalStorage> wrapTemporary, IProgress<OperationProgress>? progress, CancellationToken cancellationToken,
        Action<string>? checkTemporary = null)
    {
        string target = Path.GetFullPath(targetPath);
        ConvertFormat targetFormat = targetSpec.Format;
        if (targetFormat is ConvertFormat.Fixed or ConvertFormat.Dynamic)
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
                counts = Copy(source, new DeferredFlushStorage(storage), direct, targetSpec, progress, cancellationToken);
                if (sync == SyncMode.Durable)
                {
                    storage.Flush();
                }
            }

            checkTemporary?.Invoke(temporary);
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
    private static (long Read, long Written) Copy(ConvertSource source, DeferredFlushStorage storage, FileStorage? direct, Target target,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        if (target.Format is ConvertFormat.VhdxFixed or ConvertFormat.VhdxDynamic)
        {
            return CopyToVhdx(source, storage, target, progress, cancellationToken);
        }

        VhdImage? image = null;
        ConvertFormat format = target.Format;
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
                throw new ArgumentOutOfRangeException(nameof(target), format, "Raw, Fixed, Dynamic, VhdxFixed or VhdxDynamic.");
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
            // Zero chunks are skipped by the engine: the new file reads them already (sparse, or an unallocated block).
            long read = CopyEngine.CopySparse(extents, source.Read, (chunk, offset) =>
            {
                if (image is null || image.DiskType == VhdDiskType.Fixed)
                {
                    storage.Write(chunk, offset);
                }
                else
                {
                    image.WriteSectors(chunk, offset);
                }

                written += chunk.Length;
            }, progress, cancellationToken, copy: copy, twoReaders: source.IsLocal); // two readers where no kernel copy (issue 13)
            image?.Flush(); // its metadata written (the storage defers the fsyncs to the caller)
            return (read, written);
        }
    }

    /// <summary>
    /// Creates the VHDX (Hyper-V's defaults unless the target names a block or logical sector size; a VHDX source's
    /// logical sector size by default) and writes the chunks that are not all zeros through its writer, so blocks only
    /// zeros reach stay NOT_PRESENT in a dynamic VHDX. A chunk that does not start or end on a logical sector (a VHD
    /// source's 512-byte runs into 4096-byte sectors) is completed from what the new image holds.
    /// </summary>
    private static (long Read, long Written) CopyToVhdx(ConvertSource source, DeferredFlushStorage storage, Target target,
        IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        CreateOperation.CreateVhdx(storage, new CreateRequest(storage.Name)
        {
            Type = target.Format == ConvertFormat.VhdxFixed ? VhdDiskType.Fixed : VhdDiskType.Dynamic,
            Size = source.Capacity,
            BlockSize = target.BlockSize,
            LogicalSectorSize = target.LogicalSectorSize ?? source.LogicalSectorSize,
            Format = ImageFormat.Vhdx,
        });
        using var image = Images.Vhdx.VhdxImage.OpenWritable(storage);
        long written = 0;
        long read = CopyEngine.CopySparse(source.Extents(), source.Read, (chunk, offset) =>
        {
            WriteAligned(image, chunk, offset);
            written += chunk.Length;
        }, progress, cancellationToken, twoReaders: source.IsLocal);
        return (read, written);
    }

    private static void WriteAligned(Images.Vhdx.VhdxImage image, ReadOnlySpan<byte> chunk, long offset)
    {
        int sector = image.LogicalSectorSize;
        if (offset % sector == 0 && chunk.Length % sector == 0)
        {
            image.WriteSectors(chunk, offset);
            return;
        }

        long start = offset / sector * sector;
        long end = Math.Min(image.Capacity, (offset + chunk.Length + sector - 1) / sector * sector);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)(end - start));
        try
        {
            Span<byte> whole = buffer.AsSpan(0, (int)(end - start));
            image.ReadOwn(whole, start);
            chunk.CopyTo(whole[(int)(offset - start)..]);
            image.WriteSectors(whole, start);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
