using VhdKit.Chain;
using VhdKit.Format;
using VhdKit.Images;
using VhdKit.Images.Vhdx;
using VhdKit.Storage;

namespace VhdKit.Operations;

/// <summary>
/// Creates a fixed, dynamic or differencing VHD (qemu-img create, Hyper-V's New-VHD). Only real constraints apply:
/// the size and block size VHD allows, a parent that is a valid VHD whose chain resolves, a path where nothing exists.
/// (The automation API adds Virtual Server's own rules, e.g. 8 MB free on the volume, on top.)
/// </summary>
/// <remarks>
/// The image is written to a temporary file in the same folder, flushed (checked; not with
/// <see cref="SyncMode.None"/>, <see cref="CreateRequest.Sync"/>), then moved into place without replacing anything; a failed or cancelled creation leaves nothing behind. Cancellation is honoured before the
/// work starts and between the zero-fill's chunks; once the file is flushed it is moved into place.
/// </remarks>
public static partial class CreateOperation
{
    /// <summary>Creates the image <paramref name="request"/> describes.</summary>
    /// <param name="request">What to create.</param>
    /// <param name="progress">Receives progress (bytes of a zero-filled fixed disk, then bytes of file data copied into a
    /// <see cref="CreateRequest.FileSystem"/>; otherwise one step).</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <returns>What was made.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or its path is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The size or block size is not allowed, a differencing disk has no parent path or
    /// asks for a file system, or a file system's label or names are not allowed.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The disk's size does not suit the file system (FAT16: a partition of 4.1 MiB to 2 GiB; FAT32: more than 32.5 MiB).</exception>
    /// <exception cref="VhdKit.FileSystems.Fat.FatVolumeFullException">The file system's files and folders do not fit the disk (nothing is created).</exception>
    /// <exception cref="ImageAlreadyExistsException">Something exists at the path.</exception>
    /// <exception cref="VhdFormatException">The parent is not a valid VHD.</exception>
    /// <exception cref="ParentResolutionException">The parent's own chain does not resolve.</exception>
    /// <exception cref="FileNotFoundException">The parent does not exist.</exception>
    /// <exception cref="MergeInterruptedException">The parent is the target of an interrupted merge (run the merge again first).</exception>
    /// <exception cref="IOException">Writing failed (for example, the disk is full), or a file system's source could not be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static CreateResult Run(CreateRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(request, progress, CreateHooks.None, cancellationToken);

    /// <summary>The same creation as <see cref="Run(CreateRequest, IProgress{OperationProgress}?, CancellationToken)"/>, on the thread pool.</summary>
    /// <inheritdoc cref="Run(CreateRequest, IProgress{OperationProgress}?, CancellationToken)"/>
    public static Task<CreateResult> RunAsync(CreateRequest request, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        OperationRunner.RunAsync(() => Run(request, progress, cancellationToken), cancellationToken);

    /// <summary>As the public overload, with <paramref name="hooks"/> (the automation API's commit point, tests' faults).</summary>
    internal static CreateResult Run(CreateRequest request, IProgress<OperationProgress>? progress, CreateHooks hooks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Path);
        cancellationToken.ThrowIfCancellationRequested();
        string path = Path.GetFullPath(request.Path);
        Create(request with { Path = path }, progress, hooks, cancellationToken);
        if (IsVhdx(request))
        {
            using VhdxImage created = VhdxImage.Open(path);
            return new CreateResult(path, created.DiskType, created.Capacity, created.FileLength, created.BlockSize, created.VirtualDiskId,
                request.ParentPath is null ? null : StorageLocations.Display(request.ParentPath), [])
            {
                Format = Formats.ImageFormat.Vhdx,
                FileSystem = request.FileSystem?.Plan(created.Capacity),
            };
        }

        using VhdImage image = VhdImage.Open(path);
        return new CreateResult(path, image.DiskType, image.Capacity, image.FileLength, image.BlockSize, image.UniqueId,
            request.ParentPath is null ? null : StorageLocations.Display(request.ParentPath), [])
        {
            FileSystem = request.FileSystem?.Plan(image.Capacity),
        };
    }
}
