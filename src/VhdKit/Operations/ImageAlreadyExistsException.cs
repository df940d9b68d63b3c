namespace VhdKit.Operations;

/// <summary>Something already exists where a new image was to be created; it was left untouched.</summary>
public sealed class ImageAlreadyExistsException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ImageAlreadyExistsException(string path)
        : base($"{path} already exists; a new image is never written over an existing file.")
    {
        Path = path;
        HResult = unchecked((int)0x800700B7);
    }

    /// <summary>The path that exists.</summary>
    public string Path { get; }
}
