namespace VhdKit.Format.Vhdx;

/// <summary>
/// A VHDX file is corrupt or holds something this reader refuses (an unknown required region or metadata item):
/// a <see cref="VhdFormatException"/>, so callers that handle "not a valid image" handle it too.
/// </summary>
/// <remarks>The message names the structure, the field, its offset in the file, what was expected and what was found.</remarks>
public sealed class VhdxFormatException : VhdFormatException
{
    /// <summary>Creates an exception with a message only.</summary>
    public VhdxFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    public VhdxFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for one field of one structure.</summary>
    public VhdxFormatException(string structure, string field, long offset, string expected, string actual)
        : base(structure, field, offset, expected, actual)
    {
    }

    /// <summary>Creates an exception for a fault found in one structure (the message names the field).</summary>
    internal VhdxFormatException(string message, string structure, long offset)
        : base(message, structure, offset)
    {
    }

    /// <summary>Creates an exception with no details.</summary>
    public VhdxFormatException()
        : this("The file is not a valid VHDX image.")
    {
    }
}
