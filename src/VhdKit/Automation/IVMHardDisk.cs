namespace VhdKit.Automation;

/// <summary>
/// A virtual hard disk file (IVMHardDisk). Every property reads the file when asked, so it shows the file as it
/// is now. <c>Merge</c>, <c>MergeTo</c>, <c>Compact</c> and <c>Convert</c> return a task doing the work.
/// </summary>
public interface IVMHardDisk
{
    /// <summary>The image's absolute path.</summary>
    string File { get; }

    /// <summary>The disk type.</summary>
    /// <exception cref="VMException">The file is missing (E_FILE_NOT_FOUND), not a valid VHD (VM_E_INVALID_HD_FILE), or unreadable; or the service is shutting down.</exception>
    VMHardDiskType Type { get; }

    /// <summary>The disk's size as the guest sees it, in bytes.</summary>
    /// <exception cref="VMException">As for <see cref="Type"/>.</exception>
    long SizeInGuest { get; }

    /// <summary>The image file's size on the host, in bytes.</summary>
    /// <exception cref="VMException">As for <see cref="Type"/>.</exception>
    long SizeOnHost { get; }

    /// <summary>The free space on the host volume that holds the image, in bytes.</summary>
    /// <exception cref="VMException">As for <see cref="Type"/>.</exception>
    long HostFreeDiskSpace { get; }

    /// <summary>
    /// Get: the parent of a differencing disk, resolved as the chain resolves it; <see langword="null"/> for a
    /// fixed or dynamic disk (COM's S_FALSE). Set: reconnects this differencing disk to another file holding its
    /// parent (for example after the parent moved): rewrites the parent locators, the parent's name and its
    /// modification time, crash-safely.
    /// </summary>
    /// <exception cref="VMException">
    /// Get: VM_E_PARENT_PATH_NOT_FOUND (the parent cannot be found), VM_E_PARENT_CHILD_ID_MISMATCH, VM_E_INVALID_HD_FILE.
    /// Set: E_POINTER (<see langword="null"/>), VM_E_WRONG_HD_IMAGE_TYPE (this disk is not differencing),
    /// VM_E_INVALID_HD_FILE (the new parent is not a valid VHD or its chain does not resolve),
    /// VM_E_PARENT_CHILD_ID_MISMATCH (its unique id is not the one this disk was created with), E_ACCESS_DENIED.
    /// </exception>
    IVMHardDisk? Parent { get; set; }

    /// <summary>
    /// Merges this differencing disk into its parent (the parent is modified; this disk is then no longer a valid
    /// child of it). Cancellable; an interrupted merge is completed by merging again.
    /// </summary>
    /// <exception cref="VMException">
    /// VM_E_WRONG_HD_IMAGE_TYPE (not differencing), VM_E_PARENT_PATH_NOT_FOUND, VM_E_PARENT_CHILD_ID_MISMATCH,
    /// VM_E_FILE_READ_ONLY (the parent file is read-only), E_SHARING_VIOLATION (the parent is in use, at run
    /// time: on the task), VM_E_APP_SHUTTING_DOWN.
    /// </exception>
    IVMTask Merge(IProgress<int>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Flattens this disk and all its ancestors into a new <paramref name="type"/> image at <paramref name="path"/>; this disk is left intact.</summary>
    /// <exception cref="VMException">
    /// E_INVALIDARG (a type other than Dynamic or FixedSize), the path rules' codes (E_BAD_PATHNAME, E_INVALID_NAME,
    /// E_BUFFER_OVERFLOW), E_ALREADY_EXISTS, VM_E_PARENT_PATH_NOT_FOUND, VM_E_INVALID_HD_FILE, VM_E_APP_SHUTTING_DOWN.
    /// </exception>
    IVMTask MergeTo(string path, VMHardDiskType type, IProgress<int>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Writes a new <paramref name="type"/> image with the same content (a differencing disk is flattened); this disk is left intact.</summary>
    /// <exception cref="VMException">As for <see cref="MergeTo"/>.</exception>
    IVMTask Convert(string path, VMHardDiskType type, IProgress<int>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Shrinks a dynamic disk (and, beyond the original API, a differencing one): same content, smaller file.</summary>
    /// <exception cref="VMException">VM_E_WRONG_HD_IMAGE_TYPE (a fixed disk), VM_E_APP_SHUTTING_DOWN; E_SHARING_VIOLATION on the task when in use.</exception>
    IVMTask Compact(IProgress<int>? progress = null, CancellationToken cancellationToken = default);
}
