using VhdKit.Format;

namespace VhdKit.Operations;

/// <summary>The operation does not apply to this type of image (e.g. merging a disk that is not differencing).</summary>
public sealed class WrongImageTypeException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public WrongImageTypeException(string path, VhdDiskType type, string operation)
        : base($"{path} is a {type.ToString().ToLowerInvariant()} disk; {operation} needs a differencing disk.")
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
