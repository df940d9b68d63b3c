namespace VhdKit.Automation;

/// <summary>
/// The disk part of Windows Virtual PC's automation interface, IVMVirtualPC, with the COM names so a script ports line by
/// line. Argument and environment failures throw a <see cref="VMException"/> carrying the documented HRESULT.
/// </summary>
public interface IVMVirtualPC : IAsyncDisposable
{
    /// <summary>
    /// Creates a differencing disk at <paramref name="imagePath"/> on the parent at <paramref name="parentPath"/>.
    /// At least one path must be absolute; a relative one is relative to the folder that holds the other file.
    /// The image's folder is created if it does not exist. The checks below run in the order listed, before the
    /// call returns; a failure while the task writes the file is recorded on the task, and leaves no file.
    /// VhdKit's one extension of Virtual Server's API: an <paramref name="imagePath"/> ending in <c>.vhdx</c> on a VHDX
    /// parent creates a VHDX child (docs/vhdx.md); every check below still applies.
    /// </summary>
    /// <param name="imagePath">The new image.</param>
    /// <param name="parentPath">The parent image (fixed, dynamic or differencing).</param>
    /// <param name="progress">Receives <see cref="IVMTask.PercentCompleted"/> as it grows, ending with 100 on success.</param>
    /// <param name="cancellationToken">Cancels the task (as <see cref="IVMTask.Cancel"/> does).</param>
    /// <returns>The task that tracks the creation.</returns>
    /// <exception cref="VMException">
    /// HResult, in check order: VM_E_APP_SHUTTING_DOWN; E_POINTER (a path is <see langword="null"/>);
    /// E_BAD_PATHNAME (both paths empty or relative; or one empty or ending in a separator); E_INVALID_NAME (a name
    /// holds <c>* ? : &lt; &gt; | "</c>, <c>\</c> outside Windows, or a control character; imagePath first);
    /// E_BUFFER_OVERFLOW (a resolved path of 260 characters or more); E_PATH_NOT_FOUND (the parent does not
    /// exist); VM_E_INVALID_HD_FILE, VM_E_PARENT_PATH_NOT_FOUND, VM_E_PARENT_CHILD_ID_MISMATCH or E_ACCESS_DENIED
    /// (the parent is not a valid VHD or its own chain does not resolve); VM_E_IMAGE_SIZE_TOO_LARGE or
    /// VM_E_IMAGE_SIZE_TOO_SMALL (the parent's size); E_ALREADY_EXISTS; E_PATH_NOT_FOUND (a file stands where the
    /// image's folder must be);
    /// ERROR_INVALID_DRIVE (0x8007000F: the image would be on optical media or a read-only volume); E_DISK_FULL (less than 8 MB free); VM_E_FILE_TOO_LARGE_FOR_VOLUME (the
    /// file system's largest file is smaller than the child fully grown: FAT32, FAT16);
    /// VM_E_HARDWARE_VIRTUALIZATION_DISABLED (the processor lacks VT-x / AMD-V); DISP_E_EXCEPTION
    /// (anything unexpected).
    /// </exception>
    IVMTask CreateDifferencingVirtualHardDisk(string imagePath, string parentPath, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>Creates a dynamically expanding disk of <paramref name="sizeMB"/> MB (1 MB = 1,048,576 bytes) at <paramref name="imagePath"/>.</summary>
    /// <param name="imagePath">The new image; an absolute path. Its folder is created if it does not exist.</param>
    /// <param name="sizeMB">The size in MB: 3 to 2,088,960.</param>
    /// <param name="progress">Receives <see cref="IVMTask.PercentCompleted"/>.</param>
    /// <param name="cancellationToken">Cancels the task.</param>
    /// <returns>The task that tracks the creation.</returns>
    /// <exception cref="VMException">
    /// In check order: VM_E_APP_SHUTTING_DOWN; E_POINTER; E_BAD_PATHNAME (empty or relative); E_INVALID_NAME;
    /// E_BUFFER_OVERFLOW; E_INVALIDARG (<paramref name="sizeMB"/> &lt;= 0); VM_E_IMAGE_SIZE_TOO_SMALL;
    /// VM_E_IMAGE_SIZE_TOO_LARGE; E_ALREADY_EXISTS; E_PATH_NOT_FOUND;
    /// ERROR_INVALID_DRIVE (0x8007000F: the image would be on optical media or a read-only volume); E_DISK_FULL;
    /// VM_E_FILE_TOO_LARGE_FOR_VOLUME;
    /// VM_E_HARDWARE_VIRTUALIZATION_DISABLED (the processor lacks VT-x / AMD-V); DISP_E_EXCEPTION.
    /// </exception>
    IVMTask CreateDynamicVirtualHardDisk(string imagePath, int sizeMB, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a dynamically expanding disk of <paramref name="sizeMB"/> MB that arrives formatted as
    /// <paramref name="format"/>: an MBR partition from 1 MiB holding an empty FAT16 or FAT32 volume (Virtual Server's
    /// <c>vmDiskFormat_*</c> disks). Only the blocks holding the partition table and the file system's metadata are allocated.
    /// </summary>
    /// <param name="imagePath">The new image; an absolute path. Its folder is created if it does not exist.</param>
    /// <param name="sizeMB">The size in MB: 3 to 2,088,960; FAT16 6 to 1999; FAT32 514 or more.</param>
    /// <param name="format">Unformatted, FAT16 or FAT32.</param>
    /// <param name="progress">Receives <see cref="IVMTask.PercentCompleted"/>.</param>
    /// <param name="cancellationToken">Cancels the task.</param>
    /// <returns>The task that tracks the creation.</returns>
    /// <exception cref="VMException">
    /// As the overload without a format, where the size checks are, in order: E_INVALIDARG (<paramref name="sizeMB"/>
    /// &lt;= 0, or <paramref name="format"/> is none of the three); VM_E_IMAGE_SIZE_TOO_LARGE (above 2,088,960 MB) or
    /// VM_E_IMAGE_SIZE_TOO_SMALL (below 3 MB); VM_E_IMAGE_SIZE_TOO_LARGE (FAT16 at 2000 MB or more);
    /// VM_E_IMAGE_SIZE_TOO_SMALL (FAT32 below 514 MB; FAT16 below 6 MB).
    /// </exception>
    IVMTask CreateDynamicVirtualHardDisk(string imagePath, int sizeMB, VMDiskFormat format, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a fixed size disk of <paramref name="sizeMB"/> MB at <paramref name="imagePath"/>. Its data area is
    /// written with zeros, so the space is really taken (the task's progress follows the writing).
    /// </summary>
    /// <param name="imagePath">The new image; an absolute path. Its folder is created if it does not exist.</param>
    /// <param name="sizeMB">The size in MB: 3 to 2,088,960.</param>
    /// <param name="progress">Receives <see cref="IVMTask.PercentCompleted"/>.</param>
    /// <param name="cancellationToken">Cancels the task.</param>
    /// <returns>The task that tracks the creation.</returns>
    /// <exception cref="VMException">
    /// As <see cref="CreateDynamicVirtualHardDisk(string, int, IProgress{int}?, CancellationToken)"/>; E_DISK_FULL when the volume has less free space than the
    /// whole file (or 8 MB, whichever is more).
    /// </exception>
    IVMTask CreateFixedVirtualHardDisk(string imagePath, int sizeMB, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a fixed size disk of <paramref name="sizeMB"/> MB (written with zeros) that arrives formatted as
    /// <paramref name="format"/>, as the dynamic overload with a format describes.
    /// </summary>
    /// <param name="imagePath">The new image; an absolute path. Its folder is created if it does not exist.</param>
    /// <param name="sizeMB">The size in MB: 3 to 2,088,960; FAT16 6 to 1999; FAT32 514 or more.</param>
    /// <param name="format">Unformatted, FAT16 or FAT32.</param>
    /// <param name="progress">Receives <see cref="IVMTask.PercentCompleted"/>.</param>
    /// <param name="cancellationToken">Cancels the task.</param>
    /// <returns>The task that tracks the creation.</returns>
    /// <exception cref="VMException">
    /// As <see cref="CreateDynamicVirtualHardDisk(string, int, VMDiskFormat, IProgress{int}?, CancellationToken)"/>;
    /// E_DISK_FULL when the volume has less free space than the whole file (or 8 MB, whichever is more).
    /// </exception>
    IVMTask CreateFixedVirtualHardDisk(string imagePath, int sizeMB, VMDiskFormat format, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>The disk image at <paramref name="imagePath"/>.</summary>
    /// <param name="imagePath">An absolute path to an existing image.</param>
    /// <returns>The disk.</returns>
    /// <exception cref="VMException">
    /// In check order: VM_E_APP_SHUTTING_DOWN; E_POINTER; E_BAD_PATHNAME; E_INVALID_NAME; E_BUFFER_OVERFLOW;
    /// E_FILE_NOT_FOUND; VM_E_INVALID_HD_FILE (not a valid VHD); E_ACCESS_DENIED.
    /// </exception>
    IVMHardDisk GetHardDisk(string imagePath);

    /// <summary>The folders <see cref="GetHardDiskFiles"/> searches: absolute paths, empty at first.</summary>
    /// <exception cref="VMException">VM_E_APP_SHUTTING_DOWN; set: E_POINTER (<see langword="null"/>), E_BAD_PATHNAME (a relative path), E_INVALID_NAME, E_BUFFER_OVERFLOW.</exception>
    IReadOnlyList<string> SearchPaths { get; set; }

    /// <summary>The <c>.vhd</c> files (any case) directly inside <see cref="SearchPaths"/> and <paramref name="additionalSearchPaths"/>; missing folders are skipped.</summary>
    /// <param name="additionalSearchPaths">More absolute folders to search, or <see langword="null"/>.</param>
    /// <returns>The files' absolute paths, sorted, each once.</returns>
    /// <exception cref="VMException">VM_E_APP_SHUTTING_DOWN; E_BAD_PATHNAME (a relative folder), E_INVALID_NAME, E_BUFFER_OVERFLOW.</exception>
    IReadOnlyList<string> GetHardDiskFiles(IEnumerable<string>? additionalSearchPaths = null);

    /// <summary>The running tasks and those that finished within the retention period (<see cref="VMServiceOptions.TaskRetention"/>).</summary>
    /// <exception cref="VMException">VM_E_APP_SHUTTING_DOWN.</exception>
    IReadOnlyList<IVMTask> Tasks { get; }

    /// <summary>
    /// Begins shutting down and waits until it is done: from now on every call fails with
    /// VM_E_APP_SHUTTING_DOWN; running tasks have the grace period (<see cref="VMServiceOptions.ShutdownGracePeriod"/>)
    /// to finish, then are cancelled (Result ShutdownAbort). <see cref="IAsyncDisposable.DisposeAsync"/> does the same without blocking.
    /// </summary>
    void Shutdown();
}
