namespace VhdKit.Images;

/// <summary>
/// An image could not be opened for writing because another writer (this process or another) has it open,
/// or a reader of a chain holds it as a parent.
/// </summary>
public sealed class ImageInUseException : IOException
{
    /// <summary>The HRESULT this maps to: E_SHARING_VIOLATION.</summary>
    public const int SharingViolation = unchecked((int)0x80070020);

    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ImageInUseException(string path, Exception? innerException)
        : base($"{path} is in use: another writer has it open, or it is the parent of a disk being read. Close the other user and try again.", innerException)
    {
        Path = path;
        HResult = SharingViolation;
    }

    /// <summary>The image in use.</summary>
    public string Path { get; }

    /// <summary>Whether <paramref name="exception"/> is the runtime's "file locked by another user" error.</summary>
    internal static bool IsSharingViolation(IOException exception) =>
        exception.HResult is 11 /* EWOULDBLOCK from flock on Unix */ or SharingViolation or unchecked((int)0x80070021) /* lock violation */;
}
