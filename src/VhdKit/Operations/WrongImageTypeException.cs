using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>The operation does not apply to this type of image (e.g. merging a disk that is not differencing).</summary>
public sealed class WrongImageTypeException : InvalidOperationException
{
    /// <summary>Creates the exception for an operation that needs a differencing disk.</summary>
    /// <param name="path">The image.</param>
    /// <param name="type">Its type.</param>
    /// <param name="operation">What was asked, as a gerund ("merging").</param>
    public WrongImageTypeException(string path, VhdDiskType type, string operation)
        : this(path, type, operation, "a differencing disk")
    {
    }

    /// <summary>Creates the exception: "PATH is a fixed disk; compacting needs a dynamic or differencing disk".</summary>
    /// <param name="path">The image.</param>
    /// <param name="type">Its type.</param>
    /// <param name="operation">What was asked, as a gerund ("compacting").</param>
    /// <param name="needed">The types it applies to ("a dynamic or differencing disk").</param>
    public WrongImageTypeException(string path, VhdDiskType type, string operation, string needed)
        : base($"{path} is a {type.ToString().ToLowerInvariant()} disk; {operation} needs {needed}.")
    {
        Path = path;
        DiskType = type;
        HResult = unchecked((int)0xA004067B); // VM_E_WRONG_HD_IMAGE_TYPE
    }

    /// <summary>The image.</summary>
    public string Path { get; }

    /// <summary>Its type.</summary>
    public VhdDiskType DiskType { get; }
}
