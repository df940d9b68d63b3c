namespace VhdKit.Cli.Output;

/// <summary>The kind of a failure, as <c>error.code</c> spells it (kebab-case): stable for scripts; the message is for people.</summary>
internal enum ErrorCode
{
    /// <summary>A bug: the message holds the whole exception.</summary>
    Unexpected,

    /// <summary>A command-line value is wrong (a size, an offset, a combination of options).</summary>
    InvalidArgument,

    /// <summary>A file or folder named on the command line does not exist.</summary>
    FileNotFound,

    /// <summary>The file to create exists; it was left as it was.</summary>
    AlreadyExists,

    /// <summary>The file is not a valid VHD (corrupt, or not an image VhdKit recognises).</summary>
    InvalidImage,

    /// <summary>The file is an image of a format VhdKit recognises but does not read yet (VHDX, qcow2, VMDK, VDI).</summary>
    UnsupportedFormat,

    /// <summary>A merge into the image was interrupted: its content is partly merged until <c>vhd merge</c> is run again.</summary>
    MergeInterrupted,

    /// <summary>A differencing disk's parent could not be found (every path tried is in the message).</summary>
    ParentNotFound,

    /// <summary>The operation does not apply to this kind of image (e.g. merge of a disk that is not differencing).</summary>
    WrongImageType,

    /// <summary>The image is open for writing elsewhere.</summary>
    InUse,

    /// <summary>The operating system denied access, or the file is open read-only.</summary>
    AccessDenied,

    /// <summary>The state of the files forbids the operation (e.g. shrinking a disk that holds data past the new end).</summary>
    Refused,

    /// <summary>Azure refused the credential (HTTP 401/403: a wrong key, an expired SAS token, a missing permission), or none was found.</summary>
    AuthFailed,

    /// <summary>Reading, writing or flushing failed, the volume is full, or <c>serve</c> cannot listen.</summary>
    IoError,

    /// <summary>Ctrl+C (or SIGTERM) stopped the verb; the message says what was left.</summary>
    Cancelled,
}
