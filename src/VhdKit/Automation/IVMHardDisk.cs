namespace VhdKit.Automation;

/// <summary>
/// A virtual hard disk file (IVMHardDisk). Every property reads the file when asked, so it shows the file as it
/// is now. <c>Merge</c>, <c>MergeTo</c>, <c>Compact</c> and <c>Convert</c> come with the operations issue.
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
}
